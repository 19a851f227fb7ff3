/**
 * The Persian catalogue (src/trainlab/locale/fa_IR/LC_MESSAGES/trainlab.json) against the
 * sources: every `trans.__` / `trans._n` / `trans._p` literal has its translation with the
 * same placeholders, nothing in the catalogue is stale, and JupyterLab's own Gettext reads
 * the file the way jupyterlab_server serves it.
 */
import * as fs from 'fs';
import * as path from 'path';

import { Gettext } from '@jupyterlab/translation';

import { applyDirection, isRtl } from '../i18n';
import { statusText } from '../widgets/statusText';

const SRC = path.join(__dirname, '..');
const CATALOGUE = path.join(
  __dirname,
  '../../../src/trainlab/locale/fa_IR/LC_MESSAGES/trainlab.json'
);

interface Msg {
  key: string;
  plural?: string;
  where: string;
}

function sources(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e: fs.Dirent): string[] => {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        return e.name === '__tests__' ? [] : sources(p);
      }
      return /\.tsx?$/.test(e.name) ? [p] : [];
    });
}

/** Reads a quoted literal at `text[i]`: [value, index after it]. */
function literal(text: string, i: number): [string, number] {
  const quote = text[i];
  if (quote !== "'" && quote !== '"') {
    throw new Error(`not a string literal: ${text.slice(i, i + 40)}`);
  }
  let value = '';
  for (i++; text[i] !== quote; i++) {
    if (text[i] === '\\') {
      i++;
    }
    value += text[i];
  }
  return [value, i + 1];
}

function messages(): Msg[] {
  const found: Msg[] = [];
  for (const file of sources(SRC)) {
    const text = fs.readFileSync(file, 'utf-8');
    const call = /\btrans\.(__|_n|_p)\(\s*/g;
    let m: RegExpExecArray | null;
    while ((m = call.exec(text))) {
      const where = `${path.relative(SRC, file)} (${m[0].trim()})`;
      let [first, i] = literal(text, call.lastIndex);
      const next = () => {
        i = text.indexOf(',', i) + 1;
        while (/\s/.test(text[i])) {
          i++;
        }
        const [value, after] = literal(text, i);
        i = after;
        return value;
      };
      if (m[1] === '__') {
        found.push({ key: first, where });
      } else if (m[1] === '_n') {
        found.push({ key: first, plural: next(), where });
      } else {
        found.push({ key: first + '\u0004' + next(), where });
      }
    }
  }
  return found;
}

const placeholders = (s: string) => (s.match(/%\d+/g) || []).sort().join(',');
const catalogue = JSON.parse(fs.readFileSync(CATALOGUE, 'utf-8'));

describe('the Persian catalogue', () => {
  const msgs = messages();

  it('finds the sources strings', () => {
    expect(msgs.map(m => m.key)).toContain('Datasets');
    expect(msgs.map(m => m.plural)).toContain('%1 jobs running · %2%');
  });

  it('translates every string of the sources, with the same placeholders', () => {
    const problems: string[] = [];
    for (const m of msgs) {
      const t = catalogue[m.key];
      if (!Array.isArray(t) || t.length !== (m.plural ? 2 : 1)) {
        problems.push(
          `missing or wrong form: ${JSON.stringify(m.key)} in ${m.where}`
        );
        continue;
      }
      for (const value of t) {
        if (!value || placeholders(value) !== placeholders(m.key)) {
          problems.push(
            `placeholders differ: ${JSON.stringify(m.key)} -> ${value}`
          );
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('has no stale entries', () => {
    const used = new Set(msgs.map(m => m.key));
    const stale = Object.keys(catalogue).filter(k => k !== '' && !used.has(k));
    expect(stale).toEqual([]);
  });

  it('is read by JupyterLab as jupyterlab_server serves it', () => {
    const meta = catalogue[''];
    expect(meta.domain).toBe('trainlab');
    const gettext = new Gettext({ domain: 'trainlab', locale: 'fa_IR' });
    // what TranslationManager.load does with the served JSON (plural_forms -> pluralForms)
    gettext.loadJSON(
      { ...catalogue, '': { ...meta, pluralForms: meta.plural_forms } },
      'trainlab'
    );
    expect(gettext.__('Jobs')).toBe('کارها');
    const running = [0.5, 0.44].map(fraction => ({ progress: { fraction } }));
    expect(statusText(gettext as any, running as any)).toBe(
      '2 کار در حال اجرا · 47%'
    );
    expect(statusText(gettext as any, [])).toBe('');
  });
});

describe('right to left', () => {
  it('knows the right-to-left languages', () => {
    expect(['fa_IR', 'fa-IR', 'fa', 'ar', 'he_IL', 'ur'].map(isRtl)).toEqual(
      Array(6).fill(true)
    );
    expect(['en', 'en_US', 'fr_FR', 'far', '', undefined].map(isRtl)).toEqual(
      Array(6).fill(false)
    );
  });

  it('sets dir and the class on a node, and unsets them', () => {
    const node = document.createElement('div');
    applyDirection(node, 'fa_IR');
    expect(node.dir).toBe('rtl');
    expect(node.classList.contains('trainlab-rtl')).toBe(true);
    applyDirection(node, 'en');
    expect(node.dir).toBe('ltr');
    expect(node.classList.contains('trainlab-rtl')).toBe(false);
  });
});
