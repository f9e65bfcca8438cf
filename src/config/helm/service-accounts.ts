/**
 * Service accounts: each component that calls AWS runs as its own account, annotated with its own
 * IAM role (IRSA), so webservice, Sidekiq, the toolbox and the registry each reach only their
 * buckets. Per component, not global: the chart prefers `global.serviceAccount.annotations` over a
 * component's own whenever the global ones are set (`default .Values.serviceAccount.annotations
 * .Values.global.serviceAccount.annotations`), so a global role would hide the per-component ones.
 */
import { CHART_SERVICE_ACCOUNTS, IRSA_ROLE_ANNOTATION } from './names.js';
import type { ChartEndpoints, Values } from './types.js';

export function serviceAccountValues(endpoints: Pick<ChartEndpoints, 'serviceAccountRoles'>): Values {
  const account = (component: 'webservice' | 'sidekiq' | 'toolbox' | 'registry') => ({
    serviceAccount: {
      enabled: true,
      create: true,
      name: CHART_SERVICE_ACCOUNTS[component],
      annotations: { [IRSA_ROLE_ANNOTATION]: endpoints.serviceAccountRoles[component] },
    },
  });
  return {
    global: { serviceAccount: { enabled: true, create: true } },
    gitlab: { webservice: account('webservice'), sidekiq: account('sidekiq'), toolbox: account('toolbox') },
    registry: account('registry'),
  };
}
