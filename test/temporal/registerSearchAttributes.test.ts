import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEARCH_ATTRIBUTES } from '../../src/constants';
import { registerMissingSearchAttributes } from '../../src/temporal/registerSearchAttributes';
import { devServerEnv, type DevEnv } from '../support/temporal';

describe('search attributes of an embedded server started on an older file', () => {
  let dev: DevEnv;
  beforeAll(async () => {
    dev = await devServerEnv();
  });
  afterAll(async () => {
    await dev?.stop();
  });

  const registered = async () =>
    Object.keys(
      (
        await dev.client.connection.operatorService.listSearchAttributes({
          namespace: dev.client.options.namespace,
        })
      ).customAttributes ?? {},
    );

  it('adds the attributes the namespace lacks, and nothing when none is missing', async () => {
    const operator = dev.client.connection.operatorService;
    await operator.removeSearchAttributes({
      namespace: dev.client.options.namespace,
      searchAttributes: ['SwitchyardOrderingKey'],
    });
    expect(await registered()).not.toContain('SwitchyardOrderingKey');
    expect(await registerMissingSearchAttributes(dev.client)).toEqual(['SwitchyardOrderingKey']);
    expect(await registered()).toEqual(expect.arrayContaining(SEARCH_ATTRIBUTES.map((a) => a.name)));
    expect(await registerMissingSearchAttributes(dev.client)).toEqual([]);
  });
});
