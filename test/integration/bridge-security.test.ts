// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * The browser bridge serves a service that can erase disks, so it answers only its own page on
 * loopback: a foreign Host (DNS rebinding) or Origin is refused on every request and on the
 * WebSocket upgrade, and the session secret travels only in an HttpOnly cookie, never in a page.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHIM_PATH } from '../../src/bridge/protocol';
import { startBridge, type Bridge } from '../../src/bridge/server';
import { imageFileDrives } from '../../src/engine/drives';
import { createService } from '../../src/main/service';
import { openBridgeSocket, rawGet, sessionCookie } from './bridge-client';
import { tempDir } from './iso-fixtures';

let work: ReturnType<typeof tempDir>;
let bridge: Bridge;
let host: string;
let origin: string;

beforeAll(async () => {
  work = tempDir('bridge-security');
  const renderer = path.join(work.path, 'renderer');
  mkdirSync(renderer);
  writeFileSync(path.join(renderer, 'index.html'), '<html><script src="app.js"></script></html>');
  writeFileSync(path.join(renderer, 'app.js'), '');
  const shim = path.join(work.path, 'shim.js');
  writeFileSync(shim, '');
  bridge = await startBridge({
    rendererDir: renderer,
    shimFile: shim,
    createService: (emit) =>
      createService({ emit, chooseImageFile: null, drives: imageFileDrives([]) }),
  });
  host = new URL(bridge.url).host;
  origin = new URL(bridge.url).origin;
});

afterAll(async () => {
  await bridge?.close();
  work?.remove();
});

describe('the browser bridge', () => {
  it('serves its page to itself, with the secret only in an HttpOnly cookie', async () => {
    const page = await rawGet(bridge.url);
    expect(page.status).toBe(200);
    expect(page.body).toContain(`<script src="${SHIM_PATH}"></script>`);
    const cookie = await sessionCookie(bridge.url);
    const secret = cookie.split('=')[1]!;
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(page.body).not.toContain(secret);
    expect(String(page.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const shim = await rawGet(new URL(SHIM_PATH, bridge.url).href);
    expect(shim.status).toBe(200);
    expect(shim.body).not.toContain(secret);
  });

  it('refuses an HTTP request that names another host (DNS rebinding)', async () => {
    const port = new URL(bridge.url).port;
    for (const foreign of [
      `attacker.example:${port}`,
      'localhost',
      `127.0.0.1:${Number(port) + 1}`,
    ]) {
      const response = await rawGet(bridge.url, { Host: foreign });
      expect(response.status, foreign).toBe(403);
      expect(response.body).toBe('');
      expect(response.headers['set-cookie']).toBeUndefined();
    }
  });

  it('refuses an HTTP request from another origin or another site', async () => {
    expect((await rawGet(bridge.url, { Origin: 'http://attacker.example' })).status).toBe(403);
    expect((await rawGet(bridge.url, { Origin: 'http://127.0.0.1:1' })).status).toBe(403);
    expect((await rawGet(bridge.url, { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect((await rawGet(bridge.url, { Origin: origin, Host: host })).status).toBe(200);
  });

  it('refuses a WebSocket from another origin or host, or without the session cookie', async () => {
    await expect(
      openBridgeSocket(bridge.url, { Origin: 'http://attacker.example' }),
    ).rejects.toThrow(/403/);
    await expect(
      openBridgeSocket(bridge.url, {
        Origin: `http://attacker.example:${new URL(bridge.url).port}`,
        Host: `attacker.example:${new URL(bridge.url).port}`,
      }),
    ).rejects.toThrow(/403/);
    await expect(
      openBridgeSocket(bridge.url, { Cookie: 'livestick-session=guess' }),
    ).rejects.toThrow(/403/);
    await expect(openBridgeSocket(bridge.url, { Cookie: '' })).rejects.toThrow(/403/);
  });

  it('admits its own page’s WebSocket and answers over it', async () => {
    const socket = await openBridgeSocket(bridge.url);
    const answer = new Promise<unknown>((resolve) =>
      socket.once('message', (data) => resolve(JSON.parse(String(data)))),
    );
    socket.send(JSON.stringify({ id: 1, method: 'chooseImage', payload: {} }));
    expect(await answer).toEqual({ id: 1, envelope: { ok: true, value: { kind: 'no-dialog' } } });
    socket.close();
  });
});
