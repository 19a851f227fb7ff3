/**
 * The New training job form's pure logic: a check's answer -> the form's task and roles,
 * role edits, what each change asks the check, the hyperparameters as typed -> numbers or
 * a message per field, the devices from `GET health`, and the form -> the `POST jobs` body.
 */
import { nullTranslator } from '@jupyterlab/translation';

import { CheckReport } from '../api/formTypes';
import {
  checkBody,
  deviceChoices,
  fromCheck,
  jobSpec,
  parseParams,
  placeholders,
  roleOf,
  rolesFor,
  setRole
} from '../widgets/newJobState';

const trans = nullTranslator.load('trainlab');

// an answer of POST datasets/{id}/check with {} (as the server gives it for x1,x2,label)
const report: CheckReport = {
  ok: true,
  task: 'tabular-classification',
  columns: { target: 'label', features: ['x1', 'x2'] },
  inferred: ['task', 'target', 'features'],
  rows_total: 40,
  rows_valid: 40,
  rows_invalid: 0,
  error_counts: {},
  errors: [],
  warnings: []
};

describe('the check answer fills the form', () => {
  it('takes the inferred task and roles, as copies', () => {
    const form = fromCheck(report);
    expect(form).toEqual({
      task: 'tabular-classification',
      columns: { target: 'label', features: ['x1', 'x2'] }
    });
    (form.columns.features as string[]).push('x3');
    expect(report.columns.features).toEqual(['x1', 'x2']);
  });

  it('tells each column its role', () => {
    const { columns } = fromCheck(report);
    expect(['label', 'x1', 'x2', 'other'].map(c => roleOf(columns, c))).toEqual(
      ['target', 'features', 'features', 'ignore']
    );
  });
});

describe('role edits', () => {
  const columns = { target: 'label', features: ['x1', 'x2'] };

  it('moves a one-column role: the former column is ignored', () => {
    expect(setRole(columns, 'x2', 'target')).toEqual({
      target: 'x2',
      features: ['x1']
    });
  });

  it('adds and removes features', () => {
    expect(setRole(columns, 'x1', 'ignore')).toEqual({
      target: 'label',
      features: ['x2']
    });
    expect(setRole(columns, 'label', 'features')).toEqual({
      features: ['x1', 'x2', 'label']
    });
  });

  it('keeps only the roles a new task reads', () => {
    expect(rolesFor('text-classification', { ...columns, label: 'y' })).toEqual(
      { label: 'y' }
    );
    expect(rolesFor('tabular-regression', columns)).toEqual(columns);
  });
});

describe('what the check asks', () => {
  const columns = { target: 'label', features: ['x1'], text: 't' };

  it('infers everything for a new dataset', () => {
    expect(checkBody('dataset', 'tabular-regression', columns)).toEqual({});
    expect(checkBody('roles', '', columns)).toEqual({});
  });

  it("asks for a new task's inferred roles", () => {
    expect(checkBody('task', 'causal-lm', columns)).toEqual({
      task: 'causal-lm'
    });
  });

  it("checks edited roles as given, the task's roles only", () => {
    expect(checkBody('roles', 'tabular-regression', columns)).toEqual({
      task: 'tabular-regression',
      columns: { target: 'label', features: ['x1'] }
    });
  });
});

describe('hyperparameters', () => {
  it('turns what was typed into numbers, blanks left out', () => {
    expect(
      parseParams(trans, {
        epochs: ' 3 ',
        max_steps: '20',
        lr: '1e-3',
        batch_size: ''
      })
    ).toEqual({ params: { epochs: 3, max_steps: 20, lr: 0.001 }, errors: {} });
    expect(parseParams(trans, {})).toEqual({ params: {}, errors: {} });
  });

  it('refuses a bad number with a message naming it', () => {
    const { params, errors } = parseParams(trans, {
      lr: '-1',
      epochs: '2.5',
      max_steps: '0',
      batch_size: 'ten'
    });
    expect(params).toEqual({});
    expect(errors.lr).toBe(
      'The learning rate must be a number above 0 and at most 10, like 0.001 (not "-1").'
    );
    expect(errors.epochs).toBe(
      'Epochs must be a whole number of at least 1 (not "2.5").'
    );
    expect(errors.max_steps).toContain('Maximum steps must be a whole number');
    expect(errors.batch_size).toContain('(not "ten")');
  });

  it('refuses a learning rate that is text, zero or above 10', () => {
    for (const lr of ['abc', '0', '11', '1e-3x', 'Infinity', 'NaN']) {
      expect(parseParams(trans, { lr }).errors.lr).toBeDefined();
    }
    expect(parseParams(trans, { lr: '10' }).params).toEqual({ lr: 10 });
    expect(parseParams(trans, { lr: '.5' }).params).toEqual({ lr: 0.5 });
  });

  it("shows the task's training defaults as placeholders", () => {
    expect(placeholders(trans, 'tabular-regression').batch_size).toBe(
      'auto (at most 256)'
    );
    expect(placeholders(trans, 'text-classification').batch_size).toBe(
      'auto (at most 64)'
    );
    expect(placeholders(trans, 'causal-lm').lr).toBe('0.001');
  });
});

describe('devices', () => {
  it('offers auto and cpu without a GPU', () => {
    const values = (h: any) => deviceChoices(trans, h).map(c => c.value);
    expect(values(null)).toEqual(['auto', 'cpu']);
    expect(values({ cuda_available: false, gpus: [] })).toEqual([
      'auto',
      'cpu'
    ]);
  });

  it('offers cuda and each GPU of the set', () => {
    const choices = deviceChoices(trans, {
      cuda_available: true,
      gpus: [
        { index: 0, id: '0', name: 'NVIDIA H200' },
        { index: 1, id: 'GPU-x', name: null }
      ]
    });
    expect(choices.map(c => c.value)).toEqual([
      'auto',
      'cpu',
      'cuda',
      'cuda:0',
      'cuda:1'
    ]);
    expect(choices[3].label).toBe('cuda:0 · NVIDIA H200');
  });
});

describe('the POST jobs body', () => {
  it('carries the form, the task roles only, a trimmed name', () => {
    expect(
      jobSpec({
        datasetId: 'ds_1',
        task: 'tabular-classification',
        columns: { target: 'label', features: ['x1'], text: 'stale' },
        params: { max_steps: 20 },
        device: 'cpu',
        name: '  first try '
      })
    ).toEqual({
      dataset_id: 'ds_1',
      task: 'tabular-classification',
      columns: { target: 'label', features: ['x1'] },
      params: { max_steps: 20 },
      device: 'cpu',
      name: 'first try'
    });
  });

  it('leaves out a blank name, and defaults the device', () => {
    const body = jobSpec({
      datasetId: 'ds_1',
      task: 'causal-lm',
      columns: { text: 't' },
      params: {},
      device: '',
      name: '  '
    });
    expect(body).toEqual({
      dataset_id: 'ds_1',
      task: 'causal-lm',
      columns: { text: 't' },
      params: {},
      device: 'auto'
    });
  });
});
