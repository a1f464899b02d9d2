// The demo ships the documentation and GraphQL plugins as many real projects do. With DEMO_INSECURE=0
// (the hardened test server) the documentation plugin is off and GraphQL is locked down; otherwise
// Swagger UI is public and GraphQL has its landing page, introspection and no depth limit.
module.exports = ({ env }) => {
  const insecure = env('DEMO_INSECURE', '1') !== '0';
  return {
    'users-permissions': {
      config: {
        jwtSecret: env('JWT_SECRET', 'tobemodified'),
      },
    },
    documentation: { enabled: insecure },
    graphql: {
      config: insecure
        ? { landingPage: true, maxLimit: 1000 }
        : { landingPage: false, depthLimit: 7, maxLimit: 100, apolloServer: { introspection: false } },
    },
  };
};
