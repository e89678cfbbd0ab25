// A real OpenID Connect provider for Motgift's tests, built on `oidc-provider` 9.
//
// It only ever runs inside the test suite: the service under test discovers it, fetches its
// JWKS and verifies the JWT access tokens it issues, exactly as it would with a production
// identity provider. Started by `tests/src/oidc.rs`; never deploy it.
//
// Environment:
//   PORT          port on 127.0.0.1; 0 lets the system choose (the issuer is printed)
//   AUDIENCE      the API's resource indicator, the `aud` of every access token
//   KEYS_FILE     JSON file of private signing JWKs; created with one key when missing
//   ROTATE=1      generate a new key, put it first (it signs from now on), keep the old ones
//   REDIRECT_URI  redirect URI of the browser client `motgift-web`
//
// Once ready it prints exactly one line to stdout: `listening <issuer>`.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';

import Provider, { errors } from 'oidc-provider';

const PORT = Number(process.env.PORT ?? 0);
const AUDIENCE = required('AUDIENCE');
const KEYS_FILE = required('KEYS_FILE');
const REDIRECT_URI = required('REDIRECT_URI');

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} must be set`);
    process.exit(2);
  }
  return value;
}

// Signing keys --------------------------------------------------------------------------------

/** A fresh RSA 2048 signing key as a private JWK. */
function generateKey(kid) {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
}

/**
 * The private JWKs, current signing key first. Kept in a file so that a restarted provider
 * (the harness's `rotate`) still publishes the keys that signed tokens issued before.
 */
function loadKeys() {
  let keys = fs.existsSync(KEYS_FILE) ? JSON.parse(fs.readFileSync(KEYS_FILE, 'utf8')).keys : [];
  if (keys.length === 0) {
    keys = [generateKey('key-1')];
  } else if (process.env.ROTATE === '1') {
    keys = [generateKey(`key-${keys.length + 1}`), ...keys];
  } else {
    return keys;
  }
  fs.writeFileSync(KEYS_FILE, JSON.stringify({ keys }, null, 2), { mode: 0o600 });
  return keys;
}

const keys = loadKeys();
const currentKey = keys[0];

// Who gets which claims -----------------------------------------------------------------------

/** Fixed claims of the client-credentials clients' tokens, by client id. */
const CLIENT_CLAIMS = {
  dashboard: { roles: ['analyst'] },
  'molde-coordinator-app': { kommunenummer: ['1506'], roles: ['coordinator'] },
  'kristiansund-registrar-app': { kommunenummer: ['1505'], roles: ['registrar'] },
  'molde-opaque-app': { kommunenummer: ['1506'], roles: ['coordinator'] },
};

/** This client's tokens are opaque: only introspection tells what they are. */
const OPAQUE_CLIENTS = ['molde-opaque-app'];

const CLIENT_SECRETS = {
  // The API itself, to call the introspection endpoint.
  'motgift-api': 'api-secret',
  'molde-opaque-app': 'opaque-secret',
  dashboard: 'dashboard-secret',
  'molde-coordinator-app': 'molde-secret',
  'kristiansund-registrar-app': 'kristiansund-secret',
};

/** Claims of the people who sign in through the browser, by the login typed at the form. */
const ACCOUNT_CLAIMS = {
  'molde-coordinator': { kommunenummer: ['1506'], roles: ['coordinator'] },
  'kristiansund-registrar': { kommunenummer: ['1505'], roles: ['registrar'] },
  analyst: { roles: ['analyst'] },
};

// The provider --------------------------------------------------------------------------------

/** Builds the provider once the port, and so the issuer, is known. */
function buildProvider(issuer) {
  const clients = [
    ...Object.entries(CLIENT_SECRETS).map(([client_id, client_secret]) => ({
      client_id,
      client_secret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    {
      // A public client: no secret, so oidc-provider insists on PKCE (S256), as it should.
      client_id: 'motgift-web',
      token_endpoint_auth_method: 'none',
      application_type: 'web',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [REDIRECT_URI],
    },
  ];

  const provider = new Provider(issuer, {
    clients,
    jwks: { keys },
    // Signed cookies; a fixed key is fine for a provider that lives as long as one test.
    cookies: { keys: ['motgift-test-only-cookie-key'] },
    findAccount(_ctx, id) {
      return {
        accountId: id,
        async claims() {
          return { sub: id, name: id };
        },
      };
    },
    // Access tokens carry who the caller is: the municipality (kommunenummer) and roles,
    // always as arrays of strings, which is what the service reads.
    async extraTokenClaims(_ctx, token) {
      const claims = token.accountId ? ACCOUNT_CLAIMS[token.accountId] : CLIENT_CLAIMS[token.clientId];
      return claims ? structuredClone(claims) : undefined;
    },
    features: {
      // Login and consent as plain HTML forms, so tests drive them with form posts.
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      // RFC 7662, for the opaque tokens.
      introspection: { enabled: true },
      // JWT access tokens only exist for a resource server. Every token is for the API: the
      // default resource is the audience, and a code issued for it keeps it at the token
      // endpoint (useGrantedResource) even though `openid` is requested too.
      resourceIndicators: {
        enabled: true,
        defaultResource(_ctx, _client, oneOf) {
          if (oneOf) return oneOf.includes(AUDIENCE) ? AUDIENCE : oneOf;
          return AUDIENCE;
        },
        useGrantedResource() {
          return true;
        },
        getResourceServerInfo(_ctx, resourceIndicator, client) {
          if (resourceIndicator !== AUDIENCE) {
            throw new errors.InvalidTarget();
          }
          return {
            scope: 'openid profile api',
            audience: AUDIENCE,
            accessTokenFormat: OPAQUE_CLIENTS.includes(client.clientId) ? 'opaque' : 'jwt',
            accessTokenTTL: 60 * 60,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    ttl: {
      AccessToken: 60 * 60,
      AuthorizationCode: 60,
      ClientCredentials: 60 * 60,
      Grant: 60 * 60,
      IdToken: 60 * 60,
      Interaction: 10 * 60,
      RefreshToken: 24 * 60 * 60,
      Session: 24 * 60 * 60,
    },
    // Rendered errors as JSON-ish text, which is what a failing test wants to print.
    renderError(ctx, out) {
      ctx.type = 'text/plain';
      ctx.body = JSON.stringify(out);
    },
  });
  return provider;
}

// Test-only routes ----------------------------------------------------------------------------

const b64url = (value) => Buffer.from(value).toString('base64url');

const HASHES = { 256: 'sha256', 384: 'sha384', 512: 'sha512' };

/**
 * Signs `claims` as given (nothing is added: tests choose iss, aud, exp and friends, including
 * wrong ones). RS256, RS384, RS512 and PS256, PS384, PS512 sign with the RSA key; HS256, HS384
 * and HS512 use the current public key's PEM as the HMAC secret (the classic
 * algorithm-confusion attack); `none` leaves the signature empty.
 */
function signToken({ claims = {}, kid, key = 'current', alg = 'RS256', typ = 'at+jwt' }) {
  if (key !== 'current' && key !== 'unpublished') {
    throw new Error('key must be "current" or "unpublished"');
  }
  const jwk = key === 'unpublished' ? generateKey(`unpublished-${crypto.randomUUID()}`) : currentKey;
  const header = { alg, typ, kid: kid ?? jwk.kid };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const privateKey = crypto.createPrivateKey({ key: jwk, format: 'jwk' });
  const hash = HASHES[alg.slice(2)];
  let signature;
  if (alg === 'none') {
    signature = Buffer.alloc(0);
  } else if (alg.startsWith('RS') && hash) {
    signature = crypto.sign(hash, Buffer.from(input), privateKey);
  } else if (alg.startsWith('PS') && hash) {
    signature = crypto.sign(hash, Buffer.from(input), {
      key: privateKey,
      padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
      saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST,
    });
  } else if (alg.startsWith('HS') && hash) {
    signature = crypto.createHmac(hash, publicPem(jwk)).update(input).digest();
  } else {
    throw new Error(`unsupported alg ${alg}`);
  }
  return `${input}.${signature.toString('base64url')}`;
}

function publicPem(jwk) {
  return crypto.createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

/** Answers `/test/*` here; everything else goes to the provider. */
function testRoutes(providerCallback) {
  return async (req, res) => {
    const path = new URL(req.url, 'http://localhost').pathname;
    try {
      if (req.method === 'POST' && path === '/test/sign') {
        const token = signToken(await readJson(req));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ token }));
      } else if (req.method === 'GET' && path === '/test/public.pem') {
        res.writeHead(200, { 'content-type': 'application/x-pem-file' });
        res.end(publicPem(currentKey));
      } else {
        providerCallback(req, res);
      }
    } catch (error) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(String(error?.message ?? error));
    }
  };
}

// Start ---------------------------------------------------------------------------------------

const server = http.createServer();
server.listen(PORT, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = buildProvider(issuer);
  provider.on('server_error', (_ctx, error) => console.error('server_error', error));
  server.on('request', testRoutes(provider.callback()));
  console.log(`listening ${issuer}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(0));
}
