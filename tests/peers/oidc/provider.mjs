// A throwaway OpenID provider for the single sign-on tests (tests/sso/), never for production.
//
// Usage: node provider.mjs CONFIG.json  — the fixture writes CONFIG.json (port, issuer, signing
// key, clients, accounts) and waits for the line "listening" on stdout.
//
// oidc-provider's development login form (devInteractions) accepts any password; the login
// name picks one of the accounts below. Clients may carry two test-only settings:
//   "x-id-token-ttl": seconds an ID token lives (negative: expired when issued), and
//   "x-id-token-audience": an audience to address this client's ID tokens to instead of its
//   own id, re-signed with the provider's own key (a token meant for another application).
import { readFileSync } from 'node:fs';

import { SignJWT, decodeJwt, importJWK } from 'jose';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const accounts = config.accounts;
const testOnly = new Map(config.clients.map((client) => [client.client_id, client]));
const clients = config.clients.map((client) => Object.fromEntries(
  Object.entries(client).filter(([key]) => !key.startsWith('x-')),
));

const provider = new Provider(config.issuer, {
  clients,
  jwks: { keys: [config.signing_key] },
  // PKCE with S256 for every client: a stolen code is useless without the verifier.
  pkce: { required: () => true, methods: ['S256'] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
  },
  // Put the requested claims in the ID token itself, as most health systems' providers do.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  ttl: {
    AccessToken: 120,
    AuthorizationCode: 60,
    Grant: 600,
    Interaction: 600,
    Session: 600,
    IdToken: (ctx, token, client) => testOnly.get(client.clientId)?.['x-id-token-ttl'] ?? 120,
  },
  cookies: { keys: [config.cookie_key] },
  async findAccount(ctx, sub) {
    const account = accounts[sub];
    if (!account) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...account }) };
  },
  // The test network is plain HTTP on loopback.
  clientBasedCORS: () => true,
});
provider.proxy = false;

const signingKey = await importJWK(config.signing_key, 'RS256');

provider.use(async (ctx, next) => {
  await next();
  if (ctx.path !== '/token' || !ctx.body || !ctx.body.id_token || !ctx.oidc?.client) return;
  const audience = testOnly.get(ctx.oidc.client.clientId)?.['x-id-token-audience'];
  if (!audience) return;
  const claims = decodeJwt(ctx.body.id_token);
  ctx.body.id_token = await new SignJWT({ ...claims, aud: audience })
    .setProtectedHeader({ alg: 'RS256', kid: config.signing_key.kid, typ: 'JWT' })
    .sign(signingKey);
});

const server = provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write('listening\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
