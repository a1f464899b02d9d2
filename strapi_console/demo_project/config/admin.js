// The demo keeps the template's placeholder secrets unless the launcher passes real ones:
// SEC-ADMIN-JWT-DEFAULT must have something real to find.
module.exports = ({ env }) => ({
  serveAdminPanel: false,
  auth: {
    secret: env('ADMIN_JWT_SECRET', 'tobemodified'),
    sessions: {
      accessTokenLifespan: env.int('ADMIN_ACCESS_TOKEN_LIFESPAN', 30 * 60),
    },
  },
  apiToken: {
    salt: env('API_TOKEN_SALT', 'tobemodified'),
  },
  transfer: {
    token: {
      salt: env('TRANSFER_TOKEN_SALT', 'tobemodified'),
    },
  },
  secrets: {
    encryptionKey: env('ENCRYPTION_KEY', 'tobemodified'),
  },
  flags: {
    nps: false,
    promoteEE: false,
  },
});
