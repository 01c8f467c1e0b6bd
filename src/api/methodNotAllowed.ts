import type { NextFunction, Request, Response } from 'express';
import { MethodNotAllowedError } from '../errors';

/**
 * Known paths answer a method they do not take with 405, the error body and an Allow header;
 * unknown paths stay 404. Runs before the router, whose automatic OPTIONS answer would otherwise
 * be a text/plain 200. HEAD goes with GET, as express serves it.
 */
export function methodNotAllowed(paths: () => Iterable<{ method: string; path: string }>) {
  let table: { pattern: RegExp; path: string; allow: Set<string> }[] | undefined;
  const build = () => {
    const byPath = new Map<string, Set<string>>();
    for (const { method, path } of paths()) {
      const allow = byPath.get(path) ?? new Set<string>();
      allow.add(method.toUpperCase());
      if (method.toUpperCase() === 'GET') allow.add('HEAD');
      byPath.set(path, allow);
    }
    return [...byPath].map(([path, allow]) => ({
      path,
      allow,
      // OpenAPI templates: `{id}` is one path segment; express matches case-insensitively.
      pattern: new RegExp(
        `^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}/?$`,
        'i',
      ),
    }));
  };
  return (req: Request, _res: Response, next: NextFunction): void => {
    table ??= build();
    const known = table.find((t) => t.pattern.test(req.path));
    if (known && !known.allow.has(req.method)) {
      next(new MethodNotAllowedError(req.method, known.path, [...known.allow].sort()));
      return;
    }
    next();
  };
}
