import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** API keys are stored as their SHA-256; the key itself is shown once and never kept. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A new Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * A value from the environment, or one generated once and kept in the data dir (mode 0600), so
 * the embedded default needs no set-up and keeps the same value across restarts.
 */
export function loadOrCreateSecret(
  dataDir: string,
  fileName: string,
  fromEnv: string | undefined,
  generate: () => string,
): { value: string; source: 'env' | 'file' | 'generated'; path: string } {
  const path = join(resolve(dataDir), fileName);
  if (fromEnv) return { value: fromEnv, source: 'env', path };
  if (existsSync(path)) return { value: readFileSync(path, 'utf8').trim(), source: 'file', path };
  mkdirSync(resolve(dataDir), { recursive: true });
  const value = generate();
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return { value, source: 'generated', path };
}

/** AES-256-GCM for credentials at rest (webhook secrets, auth passwords, connector secrets). */
export class SecretBox {
  private readonly key: Buffer;
  constructor(secret: string) {
    this.key = createHash('sha256').update(`switchyard-secret-box:${secret}`).digest();
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `v1:${Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64')}`;
  }

  open(sealed: string): string {
    if (!sealed.startsWith('v1:')) throw new Error('unknown sealed secret format');
    const raw = Buffer.from(sealed.slice(3), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }

  sealNullable(v: string | null | undefined): string | null {
    return v === null || v === undefined ? null : this.seal(v);
  }

  openNullable(v: string | null | undefined): string | null {
    return v === null || v === undefined ? null : this.open(v);
  }
}
