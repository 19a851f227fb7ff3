/**
 * trainlab's JupyterLab extension: the Training sidebar (datasets and jobs over the REST
 * API), its commands, settings and status bar item.
 */
import {
  ILabShell,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, showErrorMessage } from '@jupyterlab/apputils';
import { IFileBrowserFactory } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { ServerConnection } from '@jupyterlab/services';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';

import { TrainlabClient } from './api/client';
import {
  AppContext,
  createStreamPool,
  DEFAULT_SETTINGS,
  Section,
  Settings
} from './context';
import { initI18n, isRtl } from './i18n';
import { importFile } from './widgets/datasets';
import { openDatasetView } from './widgets/datasetView';
import { openNewJob } from './widgets/newJob';
import { trainOnFile } from './widgets/newJobFile';
import { openJobView } from './widgets/jobView';
import { createSidebar, SIDEBAR_ID, trainlabIcon } from './widgets/sidebar';
import { createStatusItem } from './widgets/statusItem';

/** The plugin id; its settings schema is schema/plugin.json. */
export const PLUGIN_ID = 'trainlab:plugin';

/** The command ids. */
export namespace CommandIDs {
  export const openSidebar = 'trainlab:open-sidebar';
  export const refresh = 'trainlab:refresh';
  export const addDataset = 'trainlab:add-dataset';
}

/** File types the sidebar can add as datasets. */
export const DATA_EXTENSIONS = [
  '.csv',
  '.tsv',
  '.jsonl',
  '.ndjson',
  '.json',
  '.parquet'
];

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'The Training sidebar: datasets and jobs over the trainlab REST API.',
  autoStart: true,
  optional: [
    ITranslator,
    ISettingRegistry,
    ICommandPalette,
    IStatusBar,
    IFileBrowserFactory,
    ILabShell,
    ILauncher
  ],
  activate: (
    app: JupyterFrontEnd,
    translator: ITranslator | null,
    registry: ISettingRegistry | null,
    palette: ICommandPalette | null,
    statusBar: IStatusBar | null,
    browsers: IFileBrowserFactory | null,
    _labShell: ILabShell | null,
    launcher: ILauncher | null
  ) => {
    translator = translator || nullTranslator;
    const language = translator.languageCode || 'en';
    const trans = initI18n(translator);
    const settings: Settings = { ...DEFAULT_SETTINGS };
    const refresh = new Signal<any, Section>(app);
    const ctx: AppContext = {
      app,
      client: new TrainlabClient(
        ServerConnection.makeSettings(),
        () => translator!.languageCode || 'en',
        trans
      ),
      trans,
      settings,
      rtl: isRtl(language),
      openDataset: (id: string) => void openDatasetView(ctx, id),
      openJob: (id: string) => void openJobView(ctx, id, language),
      openNewJob: (datasetId?: string) =>
        void openNewJob(ctx, language, datasetId),
      refresh,
      streams: createStreamPool(() => settings.maxStreams)
    };

    if (registry) {
      registry.load(PLUGIN_ID).then(
        loaded => {
          const update = () =>
            Object.assign(settings, loaded.composite as unknown as Settings);
          update();
          loaded.changed.connect(update);
        },
        (e: Error) => console.warn('trainlab: settings not loaded', e)
      );
    }

    const sidebar = createSidebar(ctx, language);
    app.shell.add(sidebar, 'left', { rank: 600 });

    const { commands } = app;
    commands.addCommand(CommandIDs.openSidebar, {
      label: trans.__('Open the Training sidebar'),
      icon: trainlabIcon,
      execute: () => app.shell.activateById(SIDEBAR_ID)
    });
    commands.addCommand(CommandIDs.refresh, {
      label: trans.__('Refresh datasets and jobs'),
      execute: () => {
        refresh.emit('datasets');
        refresh.emit('jobs');
      }
    });
    if (browsers) {
      const selected = () =>
        Array.from(
          browsers.tracker.currentWidget?.selectedItems() ?? []
        ).filter(
          item =>
            item.type !== 'directory' &&
            DATA_EXTENSIONS.some(ext => item.path.toLowerCase().endsWith(ext))
        );
      commands.addCommand(CommandIDs.addDataset, {
        label: trans.__('Add to trainlab datasets'),
        icon: trainlabIcon,
        isVisible: () => selected().length > 0,
        execute: async () => {
          try {
            for (const item of selected()) {
              await importFile(ctx, item.path);
            }
          } catch (e) {
            void showErrorMessage(trans.__('Training'), (e as Error).message);
          }
          refresh.emit('datasets');
          app.shell.activateById(SIDEBAR_ID);
        }
      });
      app.contextMenu.addItem({
        command: CommandIDs.addDataset,
        selector: '.jp-DirListing-item[data-file-type]',
        rank: 60
      });
    }
    if (palette) {
      const category = trans.__('Training');
      palette.addItem({ command: CommandIDs.openSidebar, category });
      palette.addItem({ command: CommandIDs.refresh, category });
    }
    // -- the New training job form: palette, Launcher, "Train on this file…" --
    commands.addCommand('trainlab:new-job', {
      label: trans.__('New training job'),
      caption: trans.__('Train a model on a dataset'),
      icon: trainlabIcon,
      execute: args => ctx.openNewJob(args?.datasetId as string | undefined)
    });
    palette?.addItem({
      command: 'trainlab:new-job',
      category: trans.__('Training')
    });
    launcher?.add({
      command: 'trainlab:new-job',
      category: trans.__('Training'),
      rank: 1
    });
    if (browsers) {
      const one = () => {
        const items = Array.from(
          browsers.tracker.currentWidget?.selectedItems() ?? []
        );
        const item = items.length === 1 ? items[0] : null;
        return item &&
          item.type !== 'directory' &&
          DATA_EXTENSIONS.some(ext => item.path.toLowerCase().endsWith(ext))
          ? item
          : null;
      };
      commands.addCommand('trainlab:train-on-file', {
        label: trans.__('Train on this file…'),
        icon: trainlabIcon,
        isVisible: () => one() !== null,
        execute: async () => {
          const item = one();
          if (!item) {
            return;
          }
          try {
            ctx.openNewJob(await trainOnFile(ctx, item.path));
          } catch (e) {
            void showErrorMessage(trans.__('Training'), (e as Error).message);
          }
          refresh.emit('datasets');
        }
      });
      app.contextMenu.addItem({
        command: 'trainlab:train-on-file',
        selector: '.jp-DirListing-item[data-file-type]',
        rank: 61
      });
    }
    // -- end of the New training job block --
    if (statusBar) {
      statusBar.registerStatusItem('trainlab:status', {
        item: createStatusItem(ctx, language, () =>
          app.shell.activateById(SIDEBAR_ID)
        ),
        align: 'left',
        rank: 50
      });
    }
  }
};

export default plugin;
