import { z } from 'zod';

/**
 * Messages written for API clients: "is required" instead of zod's "expected string, received
 * undefined". Installed once by the API; zod's defaults stay for everything else.
 */
export function installZodMessages(): void {
  z.config({
    customError: (issue) => {
      if (issue.code === 'invalid_type') {
        if (issue.input === undefined) return 'is required';
        if (issue.input === null)
          return `must be ${issue.expected === 'object' ? 'an object' : `a ${issue.expected}`}, not null`;
        return `must be ${issue.expected === 'object' || issue.expected === 'array' ? `an ${issue.expected}` : `a ${issue.expected}`}`;
      }
      return undefined;
    },
  });
}
