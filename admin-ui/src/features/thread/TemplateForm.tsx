// An approved template by name and language, with its body's parameters one per line.
import { useState, type FormEvent } from 'react';
import type { TemplateInput } from '../../gql/graphql';

export function TemplateForm({ busy, onSend }: { busy: boolean; onSend: (template: TemplateInput) => Promise<boolean> }) {
  const [name, setName] = useState('');
  const [language, setLanguage] = useState('en_US');
  const [params, setParams] = useState('');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const parameters = params
      .split('\n')
      .map((p) => p.trim())
      .filter(Boolean)
      .map((text) => ({ type: 'text', text }));
    const template: TemplateInput = {
      name: name.trim(),
      languageCode: language.trim(),
      components: parameters.length ? [{ type: 'body', parameters }] : [],
    };
    if (await onSend(template)) setParams('');
  };

  return (
    <form className="template-form" onSubmit={submit} aria-label="Send a template">
      <label className="field">
        <span>Template name</span>
        <input name="template" required value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. order_update" />
      </label>
      <label className="field">
        <span>Language</span>
        <input name="language" required value={language} onChange={(e) => setLanguage(e.target.value)} />
      </label>
      <label className="field field--grow">
        <span>Body parameters, one per line</span>
        <textarea name="parameters" rows={2} value={params} onChange={(e) => setParams(e.target.value)} />
      </label>
      <button type="submit" className="button button--primary" disabled={busy || !name.trim()}>
        {busy ? 'Sending…' : 'Send template'}
      </button>
    </form>
  );
}
