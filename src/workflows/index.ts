// Every workflow the worker runs. Workflow code is bundled into Temporal's deterministic sandbox:
// it may import only @temporalio/workflow, types, and pure modules.
export { noopWorkflow } from './noop';
export { deliverWebhook } from './webhooks/deliverWebhook';
export { dispatchEvent } from './webhooks/dispatchEvent';
export { deliveryLane } from './lanes/deliveryLane';
export { runJob, webhookJob, emergencyWatchdog, recurringJob } from './channels';
export { purgeRetention } from './retention';
