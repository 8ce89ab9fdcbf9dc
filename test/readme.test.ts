import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..');

describe('the README', () => {
  test('opens with the two commands a newcomer runs', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf-8');
    const firstBlock = readme.slice(readme.indexOf('```sh'), readme.indexOf('```', readme.indexOf('```sh') + 5));
    expect(firstBlock).toContain('npm ci && npm run demo');
    expect(firstBlock).toContain('npm test');
  });

  test('shows the committed benchmark figures verbatim', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf-8');
    const results = readFileSync(path.join(root, 'bench', 'results.md'), 'utf-8').trim();
    expect(readme).toContain(`<!-- bench:start -->\n${results}\n<!-- bench:end -->`);
  });
});
