// SPDX-License-Identifier: GPL-3.0-or-later
// The privileged helper's entry; its protocol and job runner arrive with the engine-room work.
process.stderr.write('livestick-helper: no job given\n');
process.exitCode = 2;
