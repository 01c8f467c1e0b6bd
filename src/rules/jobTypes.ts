/** The job-type catalogue: what a channel connector can be asked to do (seed 000). */

export interface JobTypeInfo {
  type: string;
  description: string;
}

export const JOB_TYPES: readonly JobTypeInfo[] = Object.freeze([
  { type: 'orders.import', description: 'Import new orders from the channel.' },
  { type: 'orders.update_status', description: 'Push order status changes to the channel.' },
  { type: 'shipments.export', description: 'Export shipments (tracking numbers, carriers) to the channel.' },
  { type: 'inventory.sync', description: 'Synchronise stock levels with the channel.' },
  { type: 'products.import', description: 'Import the product catalogue from the channel.' },
  { type: 'products.export', description: 'Export the product catalogue to the channel.' },
  { type: 'auth.refresh', description: "Refresh the channel's access credentials before they expire." },
]);

const KNOWN = new Set(JOB_TYPES.map((j) => j.type));

export function isJobType(type: string): boolean {
  return KNOWN.has(type);
}

export const JOB_TYPE_NAMES: readonly string[] = Object.freeze(JOB_TYPES.map((j) => j.type));
