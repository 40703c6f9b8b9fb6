// oauth-browser.mjs is the "browser" a CLI opens for OAuth in the end-to-end
// tests (through BROWSER and xdg-open): it fetches the authorization URL
// and follows the redirects — `rest2mcp dev --yes` consents by redirects
// alone — until the CLI's loopback callback has received the code.
//
// Usage: node oauth-browser.mjs URL
const url = process.argv[2];
if (!url) {
  process.stderr.write('oauth-browser.mjs: no URL\n');
  process.exit(2);
}
try {
  const res = await fetch(url, { redirect: 'follow' });
  await res.text();
  process.stderr.write(`oauth-browser.mjs: ${url} -> ${res.url} HTTP ${res.status}\n`);
  process.exit(res.ok ? 0 : 1);
} catch (err) {
  process.stderr.write(`oauth-browser.mjs: ${err?.stack ?? err}\n`);
  process.exit(1);
}
