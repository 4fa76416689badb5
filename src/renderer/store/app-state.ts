// SPDX-License-Identifier: GPL-3.0-or-later
import type { CheckSlice } from './check-slice';
import type { DrivesSlice } from './drives-slice';
import type { ImageSlice } from './image-slice';
import type { SizingSlice } from './sizing-slice';
import type { UiSlice } from './ui-slice';
import type { WriteSlice } from './write-slice';

/** The one store's state: the union of its slices (docs/ARCHITECTURE.md, "The wizard's store"). */
export type AppState = ImageSlice & DrivesSlice & SizingSlice & WriteSlice & UiSlice & CheckSlice;
