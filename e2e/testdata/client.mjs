// client.mjs drives a rest2mcp gateway with the official MCP TypeScript SDK
// client, doing the OAuth dance an interactive MCP client (VS Code) does:
// connect → 401 → protected resource metadata → authorization server
// metadata → dynamic client registration → authorization code + PKCE →
// finishAuth(code) → reconnect → tools/list → tools/call. The "browser" is
// headless: the authorization URL is fetched and its redirects followed
// (oidc-provider's interaction endpoints log in the test user without a
// page) until the redirect to our loopback redirect_uri carries the code.
//
// Usage: node client.mjs --url MCP_ENDPOINT_URL --mode MODE [--client-id ID]
//
// --client-id makes the client pre-registered (no dynamic registration),
// as with Microsoft Entra ID, which supports none.
//
// Modes:
//   noauth         list tools and call getPet and listPets without OAuth
//   list-and-call  full OAuth dance, then list tools and call getPet
//   step-up        OAuth with the baseline scope, call createPet, expect a
//                  403 insufficient_scope challenge, re-authorize with the
//                  challenged scopes, and retry the same call
//   granted        OAuth with the baseline scope; list tools (the gateway
//                  in visibility "granted" mode shows only permitted tools)
//   consent        step-up against `rest2mcp dev` without --yes: the
//                  headless browser submits "Allow" on each consent page
//                  and returns the pages' text
//   denied         OAuth with the baseline scope, read, then call createPet
//                  as a user who may never get the write scope: the 403
//                  step-up is attempted and must fail with an error
//   token-exchange full OAuth dance, call getPet, then createPet (stepping
//                  up if challenged); the gateway exchanges the caller's
//                  token for an upstream token on each call
//   discovery-step-up  discovery mode with OAuth: search, describe, then
//                  call_operation createPet, stepping up on its 403
//   discovery-github   discovery mode on GitHub's API without OAuth:
//                  search, describe and call_read_operation repos/get
//
// On success it prints one JSON line on stdout and exits 0; on failure it
// prints the reason and the HTTP trace on stderr and exits 1.
import { parseArgs } from 'node:util';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const REDIRECT_URL = 'http://127.0.0.1:8976/callback';
const TIMEOUT_MS = 45_000;

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    mode: { type: 'string', default: 'list-and-call' },
    'client-id': { type: 'string' },
  },
});
if (!args.url) fail('--url is required');
const serverURL = new URL(args.url);

// trace records every HTTP exchange the SDK makes (auth included).
const trace = [];
// consentPages keeps the text of each rest2mcp dev consent page the
// headless browser allowed (mode consent), in order.
const consentPages = args.mode === 'consent' ? [] : undefined;

setTimeout(() => fail(`timed out after ${TIMEOUT_MS} ms`), TIMEOUT_MS).unref();

function fail(message) {
  process.stderr.write(`client.mjs (${args.mode}): ${message}\n`);
  process.stderr.write(`trace:\n${trace.map((t) => `  ${t.method} ${t.url} -> ${t.status}${t.wwwAuthenticate ? ` [${t.wwwAuthenticate}]` : ''}`).join('\n')}\n`);
  process.exit(1);
}

function check(cond, message) {
  if (!cond) throw new Error(message);
}

// tracingFetch wraps fetch and records method, URL, status and the
// WWW-Authenticate challenge of each response.
async function tracingFetch(input, init) {
  const res = await fetch(input, init);
  const url = typeof input === 'string' ? input : (input.url ?? String(input));
  trace.push({
    method: init?.method ?? 'GET',
    url,
    status: res.status,
    wwwAuthenticate: res.headers.get('www-authenticate') ?? undefined,
  });
  return res;
}

function decodeJWT(token) {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
}

// HeadlessOAuthProvider is an in-memory OAuthClientProvider whose
// redirectToAuthorization completes the authorization in place and keeps
// the resulting code for finishAuth.
class HeadlessOAuthProvider {
  #clientInformation;
  #tokens;
  #codeVerifier;
  #state;
  #discovery;
  authorizations = [];
  pendingCode;
  registrations = 0;

  constructor() {
    if (args['client-id']) this.#clientInformation = { client_id: args['client-id'] };
  }

  get redirectUrl() {
    return REDIRECT_URL;
  }

  get clientMetadata() {
    return {
      client_name: 'rest2mcp e2e client',
      redirect_uris: [REDIRECT_URL],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  state() {
    this.#state = crypto.randomUUID();
    return this.#state;
  }

  clientInformation() {
    return this.#clientInformation;
  }

  saveClientInformation(info) {
    this.registrations += 1;
    this.#clientInformation = info;
  }

  tokens() {
    return this.#tokens;
  }

  saveTokens(tokens) {
    this.#tokens = tokens;
  }

  saveCodeVerifier(verifier) {
    this.#codeVerifier = verifier;
  }

  codeVerifier() {
    return this.#codeVerifier;
  }

  discoveryState() {
    return this.#discovery;
  }

  saveDiscoveryState(state) {
    this.#discovery = state;
  }

  invalidateCredentials(scope) {
    if (scope === 'all' || scope === 'client') this.#clientInformation = undefined;
    if (scope === 'all' || scope === 'tokens') this.#tokens = undefined;
    if (scope === 'all' || scope === 'verifier') this.#codeVerifier = undefined;
    if (scope === 'all' || scope === 'discovery') this.#discovery = undefined;
  }

  async redirectToAuthorization(authorizationURL) {
    const params = authorizationURL.searchParams;
    this.authorizations.push({
      scope: params.get('scope') ?? undefined,
      resource: params.get('resource') ?? undefined,
      codeChallengeMethod: params.get('code_challenge_method') ?? undefined,
    });
    this.pendingCode = await browse(authorizationURL, this.#state);
  }

  takeCode() {
    const code = this.pendingCode;
    check(code, 'no authorization code was obtained');
    this.pendingCode = undefined;
    return code;
  }
}

// browse follows the authorization server's redirects the way a browser
// would (keeping its cookies) and returns the code from the final redirect
// to REDIRECT_URL.
async function browse(startURL, expectedState) {
  const cookies = new Map();
  let url = new URL(startURL);
  for (let hop = 0; hop < 20; hop += 1) {
    const headers = {};
    if (cookies.size > 0) {
      headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    const res = await fetch(url, { redirect: 'manual', headers });
    trace.push({ method: 'GET', url: url.href, status: res.status });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const location = res.headers.get('location');
    if (res.status === 200 && consentPages && (res.headers.get('content-type') ?? '').startsWith('text/html')) {
      // rest2mcp dev's consent page: keep its text and click "Allow".
      const page = await res.text();
      const form = consentForm(page);
      if (form) {
        consentPages.push(pageText(page));
        form.set('action', 'allow');
        const post = await fetch(new URL('consent', url), {
          method: 'POST',
          redirect: 'manual',
          headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
        });
        trace.push({ method: 'POST', url: new URL('consent', url).href, status: post.status });
        const next = post.headers.get('location');
        await post.body?.cancel();
        if (post.status < 300 || post.status >= 400 || !next) {
          throw new Error(`consent form answered HTTP ${post.status}`);
        }
        url = new URL(next, url);
        if (url.href.startsWith(REDIRECT_URL)) return codeFrom(url, expectedState);
        continue;
      }
      throw new Error(`authorization stopped at ${url.href} with HTTP 200: ${page.slice(0, 500)}`);
    }
    if (res.status < 300 || res.status >= 400 || !location) {
      const body = await res.text();
      throw new Error(`authorization stopped at ${url.href} with HTTP ${res.status}: ${body.slice(0, 500)}`);
    }
    await res.body?.cancel();
    const next = new URL(location, url);
    if (next.href.startsWith(REDIRECT_URL)) return codeFrom(next, expectedState);
    url = next;
  }
  throw new Error('too many redirects during authorization');
}

// codeFrom returns the code of the final redirect to REDIRECT_URL.
function codeFrom(next, expectedState) {
  const error = next.searchParams.get('error');
  if (error) {
    throw new Error(`authorization error ${error}: ${next.searchParams.get('error_description') ?? ''}`);
  }
  check(next.searchParams.get('state') === expectedState, 'state mismatch on the redirect');
  const code = next.searchParams.get('code');
  check(code, 'redirect without a code');
  return code;
}

// consentForm returns the hidden fields of rest2mcp dev's consent form,
// or undefined when the page is not one.
function consentForm(page) {
  if (!/<form method="post" action="consent">/.test(page)) return undefined;
  const form = new URLSearchParams();
  for (const m of page.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g)) {
    form.set(m[1], unescapeHTML(m[2]));
  }
  return form;
}

function unescapeHTML(s) {
  return s.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
    .replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

// pageText is the visible text of a page, whitespace collapsed.
function pageText(page) {
  return page.replace(/<style[\s\S]*?<\/style>/g, ' ').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
}

function newTransport(provider) {
  return new StreamableHTTPClientTransport(serverURL, {
    authProvider: provider,
    fetch: tracingFetch,
  });
}

function newClient() {
  return new Client({ name: 'rest2mcp-e2e', version: '1.0.0' });
}

// connectWithOAuth performs the first connect, which the gateway answers
// with 401; it completes the authorization and connects again.
async function connectWithOAuth(provider) {
  const first = newTransport(provider);
  try {
    await newClient().connect(first);
    throw new Error('the first connect succeeded without authorization; expected 401');
  } catch (err) {
    if (!(err instanceof UnauthorizedError)) throw err;
  }
  await first.finishAuth(provider.takeCode());
  const transport = newTransport(provider);
  const client = newClient();
  await client.connect(transport);
  return { client, transport };
}

// argumentsFor shapes tool arguments after the tool's input schema: a
// request body's fields are either top-level properties or nested in one
// object-typed property (e.g. "body").
function argumentsFor(tool, fields) {
  const props = tool.inputSchema?.properties ?? {};
  const names = Object.keys(fields);
  if (names.every((n) => n in props)) return { ...fields };
  for (const [name, schema] of Object.entries(props)) {
    const inner = schema?.properties ?? {};
    if (names.every((n) => n in inner)) return { [name]: { ...fields } };
  }
  throw new Error(`cannot map ${JSON.stringify(fields)} onto the input schema of ${tool.name}: ${JSON.stringify(tool.inputSchema)}`);
}

function summarize(result) {
  return {
    isError: result.isError ?? false,
    structuredContent: result.structuredContent,
    text: (result.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('\n'),
  };
}

function findTool(tools, name) {
  const tool = tools.find((t) => t.name === name);
  check(tool, `tool ${name} is not listed; tools: ${tools.map((t) => t.name).join(', ')}`);
  return tool;
}

function tokenSummary(provider) {
  const token = provider.tokens()?.access_token;
  const claims = token ? decodeJWT(token) : undefined;
  return claims ? { aud: claims.aud, scope: claims.scope, scp: claims.scp, sub: claims.sub, iss: claims.iss } : { opaque: true };
}

async function noauth() {
  const transport = new StreamableHTTPClientTransport(serverURL, { fetch: tracingFetch });
  const client = newClient();
  await client.connect(transport);
  const { tools } = await client.listTools();
  const get = await client.callTool({ name: 'getPet', arguments: argumentsFor(findTool(tools, 'getPet'), { petId: 1 }) });
  const list = await client.callTool({ name: 'listPets', arguments: argumentsFor(findTool(tools, 'listPets'), { limit: 2 }) });
  const missing = await client.callTool({ name: 'getPet', arguments: argumentsFor(findTool(tools, 'getPet'), { petId: 999 }) });
  await client.close();
  return {
    protocolVersion: transport.protocolVersion,
    serverInfo: client.getServerVersion(),
    tools: tools.map((t) => t.name).sort(),
    getPet: summarize(get),
    listPets: summarize(list),
    missingPet: summarize(missing),
  };
}

async function listAndCall() {
  const provider = new HeadlessOAuthProvider();
  const { client } = await connectWithOAuth(provider);
  const { tools } = await client.listTools();
  const get = await client.callTool({ name: 'getPet', arguments: argumentsFor(findTool(tools, 'getPet'), { petId: 1 }) });
  await client.close();
  return {
    tools: tools.map((t) => t.name).sort(),
    getPet: summarize(get),
    registrations: provider.registrations,
    authorizations: provider.authorizations,
    token: tokenSummary(provider),
  };
}

async function stepUp() {
  const provider = new HeadlessOAuthProvider();
  const { client, transport } = await connectWithOAuth(provider);
  const initialToken = tokenSummary(provider);
  const { tools } = await client.listTools();
  const params = { name: 'createPet', arguments: argumentsFor(findTool(tools, 'createPet'), { name: 'Fido', tag: 'dog' }) };
  try {
    await client.callTool(params);
    throw new Error('createPet succeeded with the baseline token; expected 403 insufficient_scope');
  } catch (err) {
    if (!(err instanceof UnauthorizedError)) throw err;
  }
  const challenge = trace.findLast((t) => t.status === 403)?.wwwAuthenticate;
  check(challenge, 'no 403 challenge was recorded');
  await transport.finishAuth(provider.takeCode());
  const created = await client.callTool(params);
  await client.close();
  return {
    initialToken,
    challenge,
    authorizations: provider.authorizations,
    registrations: provider.registrations,
    steppedUpToken: tokenSummary(provider),
    createPet: summarize(created),
  };
}

async function denied() {
  const provider = new HeadlessOAuthProvider();
  const { client } = await connectWithOAuth(provider);
  const token = tokenSummary(provider);
  const { tools } = await client.listTools();
  const get = await client.callTool({ name: 'getPet', arguments: argumentsFor(findTool(tools, 'getPet'), { petId: 1 }) });
  const params = { name: 'createPet', arguments: argumentsFor(findTool(tools, 'createPet'), { name: 'Fido', tag: 'dog' }) };
  let error;
  try {
    await client.callTool(params);
  } catch (err) {
    error = String(err?.message ?? err);
  }
  check(error, 'createPet succeeded for a user without the write scope');
  await client.close();
  return {
    token,
    getPet: summarize(get),
    challenge: trace.findLast((t) => t.status === 403)?.wwwAuthenticate,
    error,
    authorizations: provider.authorizations,
  };
}

async function granted() {
  const provider = new HeadlessOAuthProvider();
  const { client } = await connectWithOAuth(provider);
  const { tools } = await client.listTools();
  const get = await client.callTool({ name: 'getPet', arguments: argumentsFor(findTool(tools, 'getPet'), { petId: 2 }) });
  await client.close();
  return {
    token: tokenSummary(provider),
    tools: tools.map((t) => t.name).sort(),
    getPet: summarize(get),
  };
}

async function tokenExchange() {
  const provider = new HeadlessOAuthProvider();
  const { client, transport } = await connectWithOAuth(provider);
  const { tools } = await client.listTools();
  const get = await client.callTool({ name: 'getPet', arguments: argumentsFor(findTool(tools, 'getPet'), { petId: 1 }) });
  const params = { name: 'createPet', arguments: argumentsFor(findTool(tools, 'createPet'), { name: 'Fido', tag: 'dog' }) };
  let created;
  try {
    created = await client.callTool(params);
  } catch (err) {
    if (!(err instanceof UnauthorizedError)) throw err;
    await transport.finishAuth(provider.takeCode());
    created = await client.callTool(params);
  }
  await client.close();
  return {
    token: tokenSummary(provider),
    getPet: summarize(get),
    createPet: summarize(created),
  };
}

// consent is step-up against rest2mcp dev without --yes: the headless
// browser reads and allows each consent page.
async function consent() {
  return { ...(await stepUp()), consentPages };
}

// discoveryStepUp drives a gateway in discovery mode with OAuth: the four
// meta-tools are listed; search finds createPet (not callable with the
// baseline scope), describe returns its schema, call_operation answers
// 403 insufficient_scope for createPet's scopes, the SDK re-authorizes
// and the same call_operation succeeds; call_read_operation reads a pet
// before that.
async function discoveryStepUp() {
  const provider = new HeadlessOAuthProvider();
  const { client, transport } = await connectWithOAuth(provider);
  const initialToken = tokenSummary(provider);
  const { tools } = await client.listTools();
  const search = await client.callTool({ name: 'search_operations', arguments: { query: 'add a new pet', limit: 3 } });
  const target = search.structuredContent?.results?.[0]?.tool;
  check(target, `search_operations found nothing: ${JSON.stringify(search)}`);
  const describe = await client.callTool({ name: 'describe_operation', arguments: { tool: target } });
  const args = argumentsFor({ name: target, inputSchema: describe.structuredContent?.inputSchema }, { name: 'Fido', tag: 'dog' });
  // Read first: the stepped-up token carries the challenged scopes only.
  const read = await client.callTool({ name: 'call_read_operation', arguments: { tool: 'getPet', arguments: { petId: 2 } } });
  const params = { name: 'call_operation', arguments: { tool: target, arguments: args } };
  try {
    await client.callTool(params);
    throw new Error('call_operation createPet succeeded with the baseline token; expected 403 insufficient_scope');
  } catch (err) {
    if (!(err instanceof UnauthorizedError)) throw err;
  }
  const challenge = trace.findLast((t) => t.status === 403)?.wwwAuthenticate;
  check(challenge, 'no 403 challenge was recorded');
  await transport.finishAuth(provider.takeCode());
  const created = await client.callTool(params);
  await client.close();
  return {
    tools: tools.map((t) => t.name).sort(),
    search: summarize(search),
    describe: summarize(describe),
    initialToken,
    challenge,
    authorizations: provider.authorizations,
    steppedUpToken: tokenSummary(provider),
    createPet: summarize(created),
    getPet: summarize(read),
  };
}

// discoveryGitHub drives GitHub's API in discovery mode without OAuth:
// search → describe → call_read_operation against the local upstream.
async function discoveryGitHub() {
  const transport = new StreamableHTTPClientTransport(serverURL, { fetch: tracingFetch });
  const client = newClient();
  await client.connect(transport);
  const { tools } = await client.listTools();
  const search = await client.callTool({ name: 'search_operations', arguments: { query: 'get a repository', limit: 3 } });
  const target = search.structuredContent?.results?.[0]?.tool;
  check(target, `search_operations found nothing: ${JSON.stringify(search)}`);
  const describe = await client.callTool({ name: 'describe_operation', arguments: { tool: target } });
  const read = await client.callTool({ name: 'call_read_operation', arguments: { tool: target, arguments: { owner: 'octo', repo: 'hello' } } });
  await client.close();
  return {
    tools: tools.map((t) => t.name).sort(),
    search: summarize(search),
    describe: summarize(describe),
    getPet: summarize(read),
  };
}

const modes = {
  consent,
  noauth,
  'discovery-step-up': discoveryStepUp,
  'discovery-github': discoveryGitHub,
  'list-and-call': listAndCall,
  'step-up': stepUp,
  granted,
  denied,
  'token-exchange': tokenExchange,
};

const run = modes[args.mode];
if (!run) fail(`unknown mode ${args.mode}; modes: ${Object.keys(modes).join(', ')}`);
try {
  const result = await run();
  process.stdout.write(`${JSON.stringify({ mode: args.mode, ...result, trace })}\n`);
  process.exit(0);
} catch (err) {
  fail(err?.stack ?? String(err));
}
