// registry-ui.mjs drives the registry's web UI in Debian's Chromium with
// playwright-core, as a person (and a screen reader) would: it finds
// controls by their labels and roles, never by CSS. It uploads a spec,
// reads the tool count, disables one operation, requires a scope on
// another, calls a tool from its try-it form, opens the Connect page,
// then lists the tools with the official
// MCP TypeScript SDK client to see the change.
//
// Usage: node registry-ui.mjs --base URL --spec FILE --upstream URL --shots DIR
//        [--chromium /usr/bin/chromium]
//
// Prints one JSON line on stdout and exits 0; on failure prints the reason
// on stderr (after a screenshot "failure.png") and exits 1.
import { parseArgs } from 'node:util';
import path from 'node:path';

import { chromium } from 'playwright-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string' },
    spec: { type: 'string' },
    upstream: { type: 'string' },
    shots: { type: 'string' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});

const browser = await chromium.launch({
  executablePath: args.chromium,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
// A narrow window: the UI must work on a phone-sized screen.
const page = await browser.newPage({ viewport: { width: 480, height: 900 } });
page.setDefaultTimeout(20_000);
const shot = async (name) => {
  const file = path.join(args.shots, name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
};
const result = { screenshots: [] };
try {
  // Upload.
  await page.goto(args.base + '/upload');
  await page.getByLabel('OpenAPI file').setInputFiles(args.spec);
  await page.getByLabel('Name', { exact: true }).fill('petstore');
  await page.getByLabel('Upstream URL').fill(args.upstream);
  result.screenshots.push(await shot('1-upload-form.png'));
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  await page.waitForURL(/\/apis\/petstore\?uploaded=/);
  result.status = (await page.getByRole('status').textContent()).trim();
  result.summary = (await page.getByText(/\d+ tools/).first().textContent()).trim();
  result.screenshots.push(await shot('2-uploaded.png'));

  // Disable createPets.
  await page.getByLabel('Enabled: POST /pets', { exact: true }).uncheck();
  await page.getByRole('button', { name: 'Save POST /pets', exact: true }).click();
  await page.waitForURL(/saved=1/);
  result.createPetsEnabled = await page.getByLabel('Enabled: POST /pets', { exact: true }).isChecked();

  // Require a scope on showPetById.
  await page.getByLabel('Required scopes: GET /pets/{petId}', { exact: true }).fill('pets:read');
  await page.getByRole('button', { name: 'Save GET /pets/{petId}', exact: true }).click();
  await page.waitForURL(/saved=1/);
  result.scopes = await page.getByLabel('Required scopes: GET /pets/{petId}', { exact: true }).inputValue();
  result.summaryAfter = (await page.getByText(/\d+ tools/).first().textContent()).trim();
  result.screenshots.push(await shot('3-edited.png'));

  // The operation page of listPets: what decides its scopes, and the
  // try-it form generated from its input schema, which calls the tool
  // through the API's MCP endpoint.
  await page.getByRole('link', { name: /^Annotations, try it\W*GET \/pets$/ }).click();
  await page.getByLabel('limit', { exact: true }).fill('2');
  await page.getByRole('button', { name: 'Call listPets', exact: true }).click();
  const tryResult = page.getByRole('region', { name: /Result/ });
  result.tryIt = (await tryResult.textContent()).replace(/\s+/g, ' ').trim();
  result.screenshots.push(await shot('4-try-it.png'));
  await page.getByRole('link', { name: 'petstore', exact: true }).click();

  // Connect.
  await page.getByRole('link', { name: 'Connect a client' }).click();
  result.install = await page.getByRole('link', { name: 'Install in VS Code' }).getAttribute('href');
  result.mcpJSON = await page.locator('pre code').first().textContent();
  result.screenshots.push(await shot('5-connect.png'));

  // The APIs list.
  await page.getByRole('link', { name: 'APIs', exact: true }).click();
  result.listRow = (await page.getByRole('row', { name: /petstore/ }).textContent()).replace(/\s+/g, ' ').trim();
  result.screenshots.push(await shot('6-apis.png'));
} catch (err) {
  try { await shot('failure.png'); } catch {}
  console.error(String(err && err.stack || err));
  await browser.close();
  process.exit(1);
}
await browser.close();

// What an MCP client sees now.
const client = new Client({ name: 'rest2mcp-browser-test', version: '1.0.0' });
await client.connect(new StreamableHTTPClientTransport(new URL(args.base + '/mcp/petstore')));
result.tools = (await client.listTools()).tools.map((t) => t.name).sort();
await client.close();

console.log(JSON.stringify(result));
