// SPDX-License-Identifier: GPL-3.0-or-later
import { describe, expect, it } from 'vitest';
import { PlistError, parsePlist, parsePlistDict } from './plist';

/** Shaped like `diskutil info -plist /` on an APFS Mac (keys trimmed). */
const INFO = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>APFSPhysicalStores</key>
	<array>
		<dict>
			<key>APFSPhysicalStore</key>
			<string>disk0s2</string>
		</dict>
	</array>
	<key>DeviceBlockSize</key>
	<integer>4096</integer>
	<key>Ejectable</key>
	<false/>
	<key>MediaName</key>
	<string>APPLE SSD &amp; co &lt;1&gt;</string>
	<key>ParentWholeDisk</key>
	<string>disk3</string>
	<key>TotalSize</key>
	<integer>494384795648</integer>
	<key>WholeDisk</key>
	<true/>
	<key>Empty</key>
	<string/>
	<key>Nothing</key>
	<array/>
</dict>
</plist>
`;

describe('parsePlist', () => {
  it('reads what diskutil prints: nested dicts and arrays, numbers, booleans, entities', () => {
    expect(parsePlistDict(INFO)).toEqual({
      APFSPhysicalStores: [{ APFSPhysicalStore: 'disk0s2' }],
      DeviceBlockSize: 4096,
      Ejectable: false,
      MediaName: 'APPLE SSD & co <1>',
      ParentWholeDisk: 'disk3',
      TotalSize: 494384795648,
      WholeDisk: true,
      Empty: '',
      Nothing: [],
    });
  });

  it('refuses what is not a property list, naming what it expected', () => {
    expect(() => parsePlist('<plist><dict><string>x</string></dict></plist>')).toThrow(
      /expected <key> or <\/dict>, found <string>/,
    );
    expect(() => parsePlist('<plist><integer>12x</integer></plist>')).toThrow(PlistError);
    expect(() => parsePlist('<plist><dict></plist>')).toThrow(/expected/);
    expect(() => parsePlistDict('<plist><array/></plist>')).toThrow(/not a dict/);
    expect(() => parsePlist('Could not find disk: disk9')).toThrow(/expected a tag, found text/);
  });
});
