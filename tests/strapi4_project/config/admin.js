module.exports = ({ env }) => ({
  serveAdminPanel: false,
  auth: { secret: env('ADMIN_JWT_SECRET', 'tobemodified') },
  apiToken: { salt: env('API_TOKEN_SALT', 'tobemodified') },
  transfer: { token: { salt: env('TRANSFER_TOKEN_SALT', 'tobemodified') } },
});
