import { main } from './preview';

// The `cdk-aurora-snapshots` command, bundled by esbuild into assets/cli so that `npx cdk-aurora-snapshots` needs
// no runtime dependency of this package.
main(process.argv.slice(2)).then((code) => process.exit(code), (error) => {
  console.error(error);
  process.exit(1);
});
