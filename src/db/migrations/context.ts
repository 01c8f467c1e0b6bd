import type { SecretBox } from '../../secrets';

/** What a migration may need besides the database: the box that seals secrets at rest. */
export interface MigrationContext {
  /** Absent in tests that migrate empty databases; a migration that must seal data then fails. */
  secrets?: SecretBox | undefined;
}
