// SPDX-License-Identifier: GPL-3.0-or-later
import { z } from 'zod';
import type { WireError } from './errors';
import type { Progress } from './progress';
import { volumeLabelSchema } from './volume-label';

/**
 * The one service the renderer talks to (docs/ARCHITECTURE.md, "Contracts between processes").
 * Methods and events are declared once
 * here; the preload API, main's handler registration and the browser bridge are all derived
 * from these tables, so there are no string channels scattered around. Request schemas are the
 * validation main applies to everything the (untrusted) renderer sends.
 */

const overlayType = z.enum(['auto', 'dm-snapshot', 'overlayfs']);
const partitionTable = z.enum(['mbr', 'gpt']);
/** The largest persistence size in MiB a request may name (16 TiB, beyond any stick). */
export const MAX_SIZE_MIB = 16 * 1024 * 1024;
const mib = z.number().int().min(0).max(MAX_SIZE_MIB);
const path = z.string().min(1).max(4096);
const jobId = z.string().min(1).max(64);

export const sizingSchema = z.strictObject({
  overlayMiB: mib.optional(),
  homeMiB: mib.optional(),
  swapMiB: mib.optional(),
  overlayType: overlayType,
  encryptedHome: z.boolean(),
  partitionTable: partitionTable,
  label: volumeLabelSchema.optional(),
});
export type Sizing = z.infer<typeof sizingSchema>;

export const MAINTENANCE_ACTIONS = [
  'reset-overlay',
  'grow',
  'restore',
  'persistence-menu',
] as const;
export type MaintenanceAction = (typeof MAINTENANCE_ACTIONS)[number];

export const requestSchemas = {
  openImage: z.strictObject({ path }),
  chooseImage: z.strictObject({}),
  listDrives: z.strictObject({ showAll: z.boolean() }),
  plan: z.strictObject({
    imagePath: path,
    targetBytes: z.number().int().positive(),
    sizing: sizingSchema,
  }),
  startWrite: z.strictObject({
    imagePath: path,
    device: path,
    sizing: sizingSchema,
    verify: z.boolean(),
    /** Only present with encryptedHome; goes to the helper over its private channel, never logged. */
    homePassphrase: z.string().min(1).max(1024).optional(),
  }),
  cancelWrite: z.strictObject({ jobId }),
  /** The write main runs (or ran, until dismissed), for a page that was reloaded or opened later. */
  currentWrite: z.strictObject({}),
  /** Forgets a finished write once its page moved on. */
  dismissWrite: z.strictObject({ jobId }),
  inspect: z.strictObject({ device: path }),
  maintain: z.strictObject({
    device: path,
    action: z.enum(MAINTENANCE_ACTIONS),
    overlayMiB: mib.optional(),
    homeMiB: mib.optional(),
    label: volumeLabelSchema.optional(),
    /** persistence-menu only: add (true) or remove (false) the extra boot entries. */
    enabled: z.boolean().optional(),
  }),
} as const;

export type MethodName = keyof typeof requestSchemas;
export type Request<M extends MethodName> = z.infer<(typeof requestSchemas)[M]>;

export interface BootEntry {
  readonly title: string;
  readonly kernelArgs: string;
}

export interface ImageSummary {
  readonly path: string;
  readonly fileName: string;
  readonly isoBytes: number;
  readonly label: string;
  readonly era: 'isolinux' | 'grub2' | 'kiwi';
  readonly rootfs: 'nested-ext4' | 'flat-squashfs' | 'erofs';
  readonly rootfsImageBytes?: number;
  readonly squashfsBytes: number;
  readonly payloadBytes: number;
  readonly overlayKinds: readonly ('dm-snapshot' | 'overlayfs')[];
  readonly efi: boolean;
  readonly biosBoot: boolean;
  /** Sizes of every file the writer copies: enough for the renderer to run the planner itself. */
  readonly payloadFileSizes: readonly number[];
  /** Directories the stick will have; with the sizes, all the planner needs. */
  readonly directoryCount: number;
}

export interface DriveInfo {
  readonly device: string;
  readonly description: string;
  readonly sizeBytes: number;
  readonly bus: string | null;
  readonly removable: boolean;
  readonly system: boolean;
  readonly readOnly: boolean;
  readonly mountpoints: readonly string[];
  /** Set when the drive may be shown but not chosen, with the reason in words. */
  readonly blockedReason: string | null;
}

export interface SizeLimit {
  readonly bytes: number;
  readonly minBytes: number;
  readonly maxBytes: number;
  readonly defaultBytes: number;
  /** Why the maximum is what it is, in one sentence. */
  readonly maxReason: string;
}

export interface LayoutSummary {
  readonly targetBytes: number;
  readonly partitionBytes: number;
  readonly systemBytes: number;
  readonly overlayKind: 'dm-snapshot' | 'overlayfs' | 'none';
  readonly overlay: SizeLimit;
  readonly home: SizeLimit & { readonly encrypted: boolean };
  readonly swap: SizeLimit;
  readonly freeBytes: number;
  readonly label: string;
  readonly warnings: readonly string[];
  readonly notes: readonly string[];
}

export type PlanOutcome =
  | { readonly ok: true; readonly layout: LayoutSummary }
  | { readonly ok: false; readonly error: WireError };

export interface InspectReport {
  readonly device: string;
  readonly label: string | null;
  readonly uuid: string | null;
  readonly overlay: {
    readonly kind: 'dm-snapshot' | 'overlayfs';
    readonly path: string;
    readonly sizeBytes: number;
    readonly allocatedSectors: number | null;
    readonly totalSectors: number | null;
    readonly metadataSectors: number | null;
    readonly percentUsed: number | null;
    readonly state: string;
    /** The path dracut looks for; differs from `path` when the overlay is orphaned. */
    readonly expectedPath?: string;
    /** Bytes of changes held: DM data chunks, or the OverlayFS image's used blocks. */
    readonly usedBytes?: number | null;
  } | null;
  readonly home: {
    readonly sizeBytes: number;
    readonly usedBytes: number | null;
    readonly encrypted: boolean;
  } | null;
  readonly freeBytes: number;
  readonly kernelArgs: readonly string[];
  /** `dmsetup status live-rw` as the live system would print it (DM overlays only). */
  readonly statusLine?: string | null;
  readonly partitionTable?: 'mbr' | 'gpt' | 'none';
  readonly swapBytes?: number;
  /** The "start without persistence" and "reset persistence" boot entries are present. */
  readonly persistenceMenu?: boolean;
  /** Size of the system image a DM snapshot overlay copies from: its useful maximum. */
  readonly rootfsImageBytes?: number | null;
  /** One sentence each: a full or orphaned overlay, a missing file, a foreign boot menu. */
  readonly warnings?: readonly string[];
}

export interface MaintenanceResult {
  readonly device: string;
  readonly action: MaintenanceAction;
  readonly bytesWritten: number;
  /** What was done, one sentence a line. */
  readonly summary: readonly string[];
}

/** What a finished write made, as data: every screen words it in its own language. */
export interface WrittenStick {
  /** The FAT32 volume label and serial (the UUID the boot menus name). */
  readonly label: string;
  readonly uuid: string;
  /** Free space on the written volume, counted as the stick's FAT reports it. */
  readonly freeBytes: number;
  /** Every written byte was read back and matched. */
  readonly verified: boolean;
  /** A legacy BIOS boot loader was installed besides UEFI. */
  readonly biosBoot: boolean;
}

/**
 * What a cancelled write left on the stick, from how far the job got: nothing written yet
 * (the engine touches the target only once it reports the writing phase), partly written (no
 * partition table: it does not start a computer), or fully written but not read back.
 */
export type CancelledStick = 'unchanged' | 'incomplete' | 'unverified';

export type WriteOutcome =
  | { readonly status: 'succeeded'; readonly stick: WrittenStick }
  | { readonly status: 'failed'; readonly error: WireError }
  | { readonly status: 'cancelled'; readonly stick: CancelledStick };

/**
 * The write main (or the browser bridge) owns: it outlives the page that started it, so a
 * reloaded or second page shows it with its progress and its Cancel.
 */
export interface WriteJobInfo {
  readonly jobId: string;
  readonly image: ImageSummary;
  readonly drive: DriveInfo;
  /** Without the passphrase, which only the helper ever held. */
  readonly sizing: Sizing;
  readonly layout: LayoutSummary;
  readonly verify: boolean;
  /** The newest progress, null before the first. */
  readonly progress: Progress | null;
  /** A cancel was asked for and the job has not ended yet. */
  readonly cancelling: boolean;
  /** Set once the job ended; kept until a page dismisses it. */
  readonly outcome: WriteOutcome | null;
}

/** The native file dialog's answer; a plain browser has none, and then the path is typed. */
export type ImageChoice =
  | { readonly kind: 'chosen'; readonly path: string }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'no-dialog' };

export interface Responses {
  openImage: ImageSummary;
  chooseImage: ImageChoice;
  listDrives: readonly DriveInfo[];
  plan: PlanOutcome;
  startWrite: { readonly jobId: string };
  cancelWrite: null;
  currentWrite: WriteJobInfo | null;
  dismissWrite: null;
  inspect: InspectReport;
  maintain: MaintenanceResult;
}

export interface Events {
  drivesChanged: readonly DriveInfo[];
  writeProgress: { readonly jobId: string; readonly progress: Progress };
  writeFinished: { readonly jobId: string; readonly outcome: WriteOutcome };
}

export type EventName = keyof Events;
export const EVENT_NAMES: readonly EventName[] = [
  'drivesChanged',
  'writeProgress',
  'writeFinished',
];
export const METHOD_NAMES = Object.keys(requestSchemas) as MethodName[];

type Subscribe = {
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
};

/**
 * What the preload (or, in a browser, the bridge's shim) puts on `window.livestick`. Results come
 * as envelopes because Electron's contextBridge does not carry an Error's own fields across.
 */
export type RawApi = {
  [M in MethodName]: (request: Request<M>) => Promise<Envelope<Responses[M]>>;
} & Subscribe;

/** The API as renderer code uses it: failures are thrown as LiveStickError (see renderer/api.ts). */
export type LiveStickApi = {
  [M in MethodName]: (request: Request<M>) => Promise<Responses[M]>;
} & Subscribe;

export const RAW_API_GLOBAL = 'livestick';

/** What main (and the browser bridge) implement; `emit` is how they push events. */
export type ServiceHandlers = { [M in MethodName]: (request: Request<M>) => Promise<Responses[M]> };

export const IPC_CHANNEL_PREFIX = 'livestick:';
export const invokeChannel = (method: MethodName): string => `${IPC_CHANNEL_PREFIX}${method}`;
export const eventChannel = (event: EventName): string => `${IPC_CHANNEL_PREFIX}event:${event}`;

/** Every method's result crosses as `{ok, value} | {ok:false, error}` so typed errors survive IPC. */
export type Envelope<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: WireError };
