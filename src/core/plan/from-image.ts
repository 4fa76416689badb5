// SPDX-License-Identifier: GPL-3.0-or-later
import type { LiveImage } from '../liveos/live-image';
import { payloadFiles } from '../liveos/live-image';
import { directoriesOf, stickPath } from '../render/stick-files';
import type { PlannerImage } from './planner';

/** What the planner needs of an image, computed the same way the renderer lays the files out. */
export function plannerImage(image: LiveImage): PlannerImage {
  const files = payloadFiles(image);
  const paths = files.map((file) => stickPath(file.path));
  return {
    label: image.label,
    payloadFileSizes: files.map((file) => file.size),
    directoryCount: directoriesOf([...paths, '/LiveOS/home.img']).length,
    squashfsBytes: image.squashfs.size,
    ...(image.rootfs.rootfsImageBytes !== undefined
      ? { rootfsImageBytes: image.rootfs.rootfsImageBytes }
      : {}),
    overlayKinds: image.overlayKinds,
  };
}
