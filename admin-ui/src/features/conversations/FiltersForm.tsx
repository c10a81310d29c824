// The filters above the table. Choices apply at once; typed text after a short pause.
import { useEffect, useState } from 'react';
import { isUnfiltered, type Filters } from '../../lib/filters';
import { DIRECTIONS, MESSAGE_TYPES, STATUSES } from '../../lib/types';
import { statusLabel } from '../../lib/status';

export function FiltersForm({ filters, onChange }: { filters: Filters; onChange: (filters: Filters) => void }) {
  const [contact, setContact] = useState(filters.contact ?? '');
  const [text, setText] = useState(filters.text ?? '');

  // The URL's values win when they differ from what is typed (Back, Clear filters); what is
  // typed keeps its spaces while it says the same.
  useEffect(() => {
    setContact((typed) => (typed.trim() === (filters.contact ?? '') ? typed : (filters.contact ?? '')));
    setText((typed) => (typed.trim() === (filters.text ?? '') ? typed : (filters.text ?? '')));
  }, [filters.contact, filters.text]);

  useEffect(() => {
    if ((filters.contact ?? '') === contact.trim() && (filters.text ?? '') === text.trim()) return;
    const timer = setTimeout(() => onChange({ ...filters, contact: contact.trim() || undefined, text: text.trim() || undefined }), 300);
    return () => clearTimeout(timer);
  }, [contact, text, filters, onChange]);

  const set = (key: keyof Filters, value: string) => onChange({ ...filters, [key]: value || undefined });

  return (
    <form className="filters" aria-label="Filter messages" onSubmit={(e) => e.preventDefault()}>
      <label className="field">
        <span>Direction</span>
        <select name="direction" value={filters.direction ?? ''} onChange={(e) => set('direction', e.target.value)}>
          <option value="">Any</option>
          {DIRECTIONS.map((d) => (
            <option key={d} value={d}>
              {d === 'INBOUND' ? 'Inbound' : 'Outbound'}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Type</span>
        <select name="type" value={filters.type ?? ''} onChange={(e) => set('type', e.target.value)}>
          <option value="">Any</option>
          {[...new Set([...MESSAGE_TYPES, ...(filters.type ? [filters.type] : [])])].map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Status</span>
        <select name="status" value={filters.status ?? ''} onChange={(e) => set('status', e.target.value)}>
          <option value="">Any</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {statusLabel(s)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Contact</span>
        <input name="contact" inputMode="tel" placeholder="Phone number" value={contact} onChange={(e) => setContact(e.target.value)} />
      </label>
      <label className="field field--grow">
        <span>Text</span>
        <input name="q" type="search" placeholder="Words in the message" value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      <label className="field">
        <span>From</span>
        <input name="from" type="date" value={filters.from ?? ''} max={filters.to} onChange={(e) => set('from', e.target.value)} />
      </label>
      <label className="field">
        <span>To</span>
        <input name="to" type="date" value={filters.to ?? ''} min={filters.from} onChange={(e) => set('to', e.target.value)} />
      </label>
      <button type="button" className="button button--quiet filters__clear" disabled={isUnfiltered(filters)} onClick={() => onChange({})}>
        Clear filters
      </button>
    </form>
  );
}
