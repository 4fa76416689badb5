// Encrypts a plain filesystem image into the payload area of a LUKS1 container
// (aes-xts-plain64, 512-byte sectors, IV = payload-relative sector number), which is
// what dm-crypt would write. The host here has no device-mapper, so the reference
// stick's encrypted home.img cannot be filled through `cryptsetup open`.
// usage: node luks-payload.mjs <luks image> <plain image> <volume key hex> <payload offset sectors>
import { createCipheriv } from 'node:crypto';
import { openSync, readSync, writeSync, closeSync, fstatSync } from 'node:fs';

const [luksPath, plainPath, keyHex, offsetSectors] = process.argv.slice(2);
const key = Buffer.from(keyHex.replace(/[^0-9a-f]/gi, ''), 'hex');
const algorithm = { 32: 'aes-128-xts', 64: 'aes-256-xts' }[key.length];
if (!algorithm) throw new Error(`unexpected XTS key length ${key.length}`);
const plain = openSync(plainPath, 'r');
const luks = openSync(luksPath, 'r+');
const sectors = fstatSync(plain).size / 512;
const chunk = Buffer.alloc(1024 * 1024);
const iv = Buffer.alloc(16);
for (let first = 0; first < sectors; first += chunk.length / 512) {
  const n = readSync(plain, chunk, 0, chunk.length, first * 512);
  for (let s = 0; s < n / 512; s++) {
    iv.fill(0);
    iv.writeBigUInt64LE(BigInt(first + s));
    const cipher = createCipheriv(algorithm, key, iv).setAutoPadding(false);
    const out = Buffer.concat([
      cipher.update(chunk.subarray(s * 512, s * 512 + 512)),
      cipher.final(),
    ]);
    writeSync(luks, out, 0, 512, (Number(offsetSectors) + first + s) * 512);
  }
}
closeSync(plain);
closeSync(luks);
