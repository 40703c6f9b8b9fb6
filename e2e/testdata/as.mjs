// as.mjs runs a real OAuth 2.1 authorization server (oidc-provider) for the
// rest2mcp end-to-end tests. It is test infrastructure: it binds to 127.0.0.1
// only, keeps everything in memory, and logs in a fixed user headlessly.
//
// Usage:
//   node as.mjs [--port N] --resource URL... [--opaque-resource URL...] [--upstream URL]
//
//   --port N              port to listen on (0 or absent: any free port)
//   --resource URL        an MCP endpoint (gateway resource); JWT access tokens
//   --opaque-resource URL an MCP endpoint whose access tokens are opaque
//                         (the gateway must introspect them)
//   --upstream URL        the upstream API's resource indicator, the target of
//                         the RFC 8693 token exchange; JWT access tokens
//
// When ready it prints one JSON line on stdout:
//   {"issuer":"http://127.0.0.1:N","port":N,"jwks_uri":"…"}
//
// Statically registered clients:
//   gateway / gateway-secret  client_secret_basic; introspection and token exchange
//   machine / machine-secret  client_secret_basic; client credentials, scopes pets:read pets:write
//   reader  / reader-secret   client_secret_basic; client credentials, scope pets:read only
// Dynamic client registration is open and does not cap a client's scopes.
//
// Test-only endpoint: POST /_test/sign[?typ=T] with a JSON claims object
// returns a JWT signed with the server's access-token key (typ at+jwt unless
// overridden), so tests can build expired or otherwise wrong-but-signed
// tokens deterministically.
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import { parseArgs } from 'node:util';

import * as jose from 'jose';
import Provider, { errors } from 'oidc-provider';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const RESOURCE_SCOPES = ['pets:read', 'pets:write'];

// The one test user and its groups claim.
const USERS = new Map([['alice', { groups: ['pet-owners', 'staff'] }]]);

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    resource: { type: 'string', multiple: true, default: [] },
    'opaque-resource': { type: 'string', multiple: true, default: [] },
    upstream: { type: 'string' },
  },
});
const jwtResources = new Set(args.resource);
const opaqueResources = new Set(args['opaque-resource']);
const gatewayResources = new Set([...jwtResources, ...opaqueResources]);
if (gatewayResources.size === 0) {
  fail('at least one --resource or --opaque-resource is required');
}
const upstreamResource = args.upstream;

function fail(message) {
  process.stderr.write(`as.mjs: ${message}\n`);
  process.exit(2);
}

// resourceServerInfo describes how tokens for a resource indicator look.
function resourceServerInfo(resource) {
  const base = { scope: RESOURCE_SCOPES.join(' '), accessTokenTTL: 600 };
  if (opaqueResources.has(resource)) {
    return { ...base, accessTokenFormat: 'opaque' };
  }
  if (jwtResources.has(resource) || resource === upstreamResource) {
    return { ...base, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
  }
  return undefined;
}

const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const kid = crypto.randomBytes(8).toString('hex');
const privateJWK = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
const localJWKS = jose.createLocalJWKSet({
  keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }],
});

const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(Number(args.port), '127.0.0.1', resolve);
});
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  jwks: { keys: [privateJWK] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  scopes: ['openid', 'offline_access', ...RESOURCE_SCOPES],
  claims: { openid: ['sub'], groups: ['groups'] },
  clients: [
    {
      client_id: 'gateway',
      client_secret: 'gateway-secret',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [TOKEN_EXCHANGE, 'client_credentials'],
      redirect_uris: [],
      response_types: [],
    },
    {
      client_id: 'machine',
      client_secret: 'machine-secret',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      scope: RESOURCE_SCOPES.join(' '),
    },
    {
      client_id: 'reader',
      client_secret: 'reader-secret',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      scope: 'pets:read',
    },
  ],
  findAccount(_ctx, id) {
    const user = USERS.get(id);
    if (!user) return undefined;
    return { accountId: id, claims: () => ({ sub: id, groups: user.groups }) };
  },
  extraTokenClaims(_ctx, token) {
    const user = token.accountId && USERS.get(token.accountId);
    return user ? { groups: user.groups } : undefined;
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    registration: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (_ctx, _client, oneOf) => oneOf ?? [...gatewayResources][0],
      useGrantedResource: () => true,
      getResourceServerInfo(_ctx, resource) {
        const info = resourceServerInfo(resource);
        if (!info) throw new errors.InvalidTarget(`unknown resource ${resource}`);
        return info;
      },
    },
  },
  pkce: { required: () => true },
  ttl: { AccessToken: 600, ClientCredentials: 600, AuthorizationCode: 60, Interaction: 300, Session: 600, Grant: 600 },
});

// RFC 8693 token exchange: a gateway-resource access token in, a token for
// the upstream resource out, scopes narrowed to the requested intersection.
provider.registerGrantType(TOKEN_EXCHANGE, async (ctx) => {
  const { params, client } = ctx.oidc;
  if (!upstreamResource) throw new errors.UnauthorizedClient('token exchange is not configured');
  if (!params.subject_token) throw new errors.InvalidRequest('missing subject_token');
  if (![ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE].includes(params.subject_token_type)) {
    throw new errors.InvalidRequest('unsupported subject_token_type');
  }
  if (params.actor_token) throw new errors.InvalidRequest('actor tokens are not supported');
  const target = params.resource ?? params.audience;
  if (target !== upstreamResource) {
    throw new errors.InvalidTarget('audience/resource must be the upstream resource');
  }
  const subject = await subjectToken(params.subject_token);
  const subjectScopes = new Set((subject.scope ?? '').split(' ').filter(Boolean));
  const allowed = new Set(RESOURCE_SCOPES);
  const requested = params.scope ? params.scope.split(' ').filter(Boolean) : [...subjectScopes];
  const scopes = requested.filter((s) => subjectScopes.has(s) && allowed.has(s));
  if (scopes.length === 0) throw new errors.InvalidScope('no requested scope is held by the subject token');

  const at = new provider.AccessToken({
    accountId: subject.sub,
    client,
    scope: scopes.join(' '),
    gty: 'token-exchange',
    expiresIn: 300,
  });
  at.resourceServer = new provider.ResourceServer(upstreamResource, resourceServerInfo(upstreamResource));
  ctx.oidc.entity('AccessToken', at);
  const value = await at.save();
  ctx.body = {
    access_token: value,
    issued_token_type: ACCESS_TOKEN_TYPE,
    token_type: 'Bearer',
    expires_in: at.expiration,
    scope: at.scope,
  };
}, ['subject_token', 'subject_token_type', 'requested_token_type', 'audience', 'resource', 'scope',
  'actor_token', 'actor_token_type']);

// subjectToken validates a subject token this server issued for a gateway
// resource and returns {sub, scope}.
async function subjectToken(token) {
  if (token.split('.').length === 3) {
    try {
      const { payload } = await jose.jwtVerify(token, localJWKS, {
        issuer,
        typ: 'at+jwt',
        audience: [...gatewayResources],
        algorithms: ['RS256'],
      });
      if (!payload.sub) throw new Error('no sub');
      return { sub: payload.sub, scope: payload.scope };
    } catch {
      throw new errors.InvalidGrant('invalid subject_token');
    }
  }
  const found = await provider.AccessToken.find(token);
  if (!found?.isValid || !found.accountId || !gatewayResources.has(found.aud)) {
    throw new errors.InvalidGrant('invalid subject_token');
  }
  return { sub: found.accountId, scope: found.scope };
}

const callback = provider.callback();

server.on('request', (req, res) => {
  route(req, res).catch((err) => {
    process.stderr.write(`as.mjs: ${req.method} ${req.url}: ${err.stack ?? err}\n`);
    if (!res.headersSent) {
      res.statusCode = 500;
      res.end('internal error');
    }
  });
});

async function route(req, res) {
  const url = new URL(req.url, issuer);
  if (url.pathname === '/.well-known/oauth-authorization-server') {
    // oidc-provider serves only the OIDC discovery path; RFC 8414 clients
    // (the MCP SDK) try this one first.
    req.url = `/.well-known/openid-configuration${url.search}`;
    return callback(req, res);
  }
  if (url.pathname.startsWith('/interaction/') && req.method === 'GET') {
    return interact(req, res);
  }
  if (url.pathname === '/reg' && req.method === 'POST') {
    return register(req, res);
  }
  if (url.pathname === '/_test/sign' && req.method === 'POST') {
    return sign(req, res, url.searchParams.get('typ') ?? 'at+jwt');
  }
  return callback(req, res);
}

// interact finishes login and consent without a browser: it logs in alice
// and grants exactly what the authorization request asked for.
async function interact(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  if (prompt.name === 'login') {
    await provider.interactionFinished(req, res, { login: { accountId: 'alice' } }, { mergeWithLastSubmission: false });
    return;
  }
  if (prompt.name !== 'consent') {
    throw new Error(`unexpected prompt ${prompt.name}`);
  }
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
  if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
  if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

// register forwards dynamic client registration with the requested scope
// removed, so a client registered during a first, narrow challenge may still
// ask for more scopes during step-up (oidc-provider caps a client's scopes
// to its registered scope).
async function register(req, res) {
  const body = await readBody(req);
  let metadata;
  try {
    metadata = JSON.parse(body);
  } catch {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'invalid_client_metadata', error_description: 'body is not JSON' }));
    return;
  }
  delete metadata.scope;
  req.body = JSON.stringify(metadata);
  return callback(req, res);
}

// sign returns a JWT over the posted claims, signed with the AS key.
async function sign(req, res, typ) {
  const claims = JSON.parse(await readBody(req));
  const header = { alg: 'RS256', kid, typ };
  const jwt = await new jose.SignJWT(claims).setProtectedHeader(header).sign(privateKey);
  res.writeHead(200, { 'content-type': 'application/jwt' });
  res.end(jwt);
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.stdout.write(`${JSON.stringify({ issuer, port, jwks_uri: provider.urlFor('jwks') })}\n`);
