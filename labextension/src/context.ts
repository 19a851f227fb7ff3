/**
 * The interfaces every part of the sidebar shares: the application context handed to
 * sections and views, and the user's settings (schema/plugin.json).
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { TranslationBundle } from '@jupyterlab/translation';
import { ISignal } from '@lumino/signaling';

import { TrainlabClient } from './api/client';

/** The user's settings, from JupyterLab's settings editor (schema/plugin.json). */
export interface Settings {
  /** Seconds between list refreshes while a job runs or waits. */
  refreshIntervalS: number;
  /** Points per series the loss chart keeps after downsampling. */
  chartPoints: number;
  /** Size of one upload part, in MiB. */
  uploadPartMiB: number;
  /** Live event streams open at once (browsers allow 6 connections per host). */
  maxStreams: number;
}

/** The defaults of schema/plugin.json, used before the settings registry answers. */
export const DEFAULT_SETTINGS: Settings = {
  refreshIntervalS: 5,
  chartPoints: 2000,
  uploadPartMiB: 8,
  maxStreams: 3
};

/** What the sidebar refreshes: one of its two sections. */
export type Section = 'datasets' | 'jobs';

/** Caps the number of open event streams (see Settings.maxStreams). */
export interface StreamPool {
  /** Asks for a stream slot for `key`; false when all slots are taken. */
  acquire(key: string): boolean;
  /** Gives the slot of `key` back. */
  release(key: string): void;
}

/** Everything a section or a view needs from the application. */
export interface AppContext {
  app: JupyterFrontEnd;
  client: TrainlabClient;
  trans: TranslationBundle;
  settings: Settings;
  rtl: boolean;
  openDataset(id: string): void;
  openJob(id: string): void;
  openNewJob(datasetId?: string): void;
  refresh: ISignal<any, Section>;
  streams: StreamPool;
}

/** A StreamPool with `max` slots. */
export function createStreamPool(max: () => number): StreamPool {
  const open = new Set<string>();
  return {
    acquire(key: string): boolean {
      if (open.has(key)) {
        return true;
      }
      if (open.size >= max()) {
        return false;
      }
      open.add(key);
      return true;
    },
    release(key: string): void {
      open.delete(key);
    }
  };
}
