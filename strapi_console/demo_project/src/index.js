'use strict';

// The demo is deliberately a little insecure so every panel of strapi-console has something real
// to show: the Public role can create articles and list users, and anyone may register.
const PUBLIC_GRANTS = [
  'api::article.article.find',
  'api::article.article.findOne',
  'api::article.article.create',
  'api::category.category.find',
  'plugin::users-permissions.user.find',
];

module.exports = {
  register() {},

  async bootstrap({ strapi }) {
    if (process.env.DEMO_INSECURE === '0') return;
    const publicRole = await strapi.db
      .query('plugin::users-permissions.role')
      .findOne({ where: { type: 'public' } });
    if (publicRole) {
      for (const action of PUBLIC_GRANTS) {
        const existing = await strapi.db
          .query('plugin::users-permissions.permission')
          .findOne({ where: { action, role: publicRole.id } });
        if (!existing) {
          await strapi.db
            .query('plugin::users-permissions.permission')
            .create({ data: { action, role: publicRole.id } });
        }
      }
    }
    const store = strapi.store({ type: 'plugin', name: 'users-permissions', key: 'advanced' });
    const advanced = (await store.get()) || {};
    if (!advanced.allow_register) {
      await store.set({ value: { ...advanced, allow_register: true } });
    }
  },
};
