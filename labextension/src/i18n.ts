/**
 * English and Persian through JupyterLab's translator: every string of the sidebar goes
 * through trans.__ with a string literal (domain 'trainlab'); the Persian catalogue ships in the
 * Python package (trainlab/locale/fa_IR/LC_MESSAGES/trainlab.json). JupyterLab sets no
 * text direction, so right-to-left is ours: `applyDirection` on each of our widgets.
 */
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';

/** The gettext domain of the sidebar's catalogue. */
export const DOMAIN = 'trainlab';

/** The sidebar's translation bundle. */
export function initI18n(translator: ITranslator): TranslationBundle {
  return translator.load(DOMAIN);
}

/** Whether a language code (`fa_IR`, `fa-IR`, `ar`, `en`) is written right to left. */
export function isRtl(languageCode: string | undefined | null): boolean {
  return /^(fa|ar|he|ur)([-_]|$)/i.test(languageCode || '');
}

/** Sets `dir` and the `trainlab-rtl` class of `node` for the language. */
export function applyDirection(node: HTMLElement, languageCode: string): void {
  const rtl = isRtl(languageCode);
  node.dir = rtl ? 'rtl' : 'ltr';
  node.classList.toggle('trainlab-rtl', rtl);
}
