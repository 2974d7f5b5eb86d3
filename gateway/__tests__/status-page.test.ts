// The status page's HTML for a given snapshot of the feed: services, grouping, UK time, escaping — no I/O.
import { describe, expect, it } from 'vitest';
import type { StatusFeedIncident } from '../status-feed';
import { htmlText, renderStatusPage, renderStatusPageUnavailable } from '../status-page';

const live: StatusFeedIncident = {
  reference: 'MI-000002',
  title: 'CSS outage <script>alert("x")</script>',
  state: 'PROMOTED',
  services: ['CSS', 'SETTLEMENT_OPERATIONS'],
  leadName: 'Data Communications Company (DCC)',
  startedAt: '2026-07-06T07:00:00.000Z',
  resolvedAt: null,
  latestUpdate: 'Switches are queued & will be "replayed"; <b>no</b> action needed.',
  latestUpdateAt: '2026-07-06T08:00:00.000Z',
  nextUpdateDueAt: '2026-07-06T08:45:00.000Z',
};
const resolved: StatusFeedIncident = {
  ...live,
  reference: 'MI-000001',
  title: 'DIP outage',
  state: 'RESOLVED',
  services: ['DIP'],
  leadName: 'Elexon',
  resolvedAt: '2026-01-15T12:00:00.000Z',
  latestUpdate: 'The DIP is delivering messages again.',
  latestUpdateAt: '2026-01-15T12:00:00.000Z',
  nextUpdateDueAt: null,
};

const rowOf = (html: string, service: string) => new RegExp(`<tr data-service="${service}">.*?</tr>`).exec(html)?.[0] ?? '';

describe('renderStatusPage', () => {
  const html = renderStatusPage({ generatedAt: '2026-07-06T08:30:00.000Z', incidents: [live, resolved] });

  it('marks the services a live major incident names, and every other shared service operational', () => {
    expect(html).toContain('1 major incident is in progress');
    expect(rowOf(html, 'CSS')).toContain('Major incident');
    expect(rowOf(html, 'SETTLEMENT_OPERATIONS')).toContain('Major incident');
    for (const service of ['DIP', 'MPAS', 'EES', 'DTS']) expect(rowOf(html, service)).toContain('Operational');
    // A participant's own connection is listed only while an MI names it.
    expect(rowOf(html, 'DIP_CONNECTION')).toBe('');
  });

  it('lists a live MI under each service it affects, with its latest update and UK times (BST in July)', () => {
    expect(html.match(/<article class="incident incident-promoted"/g)).toHaveLength(2);
    expect(html).toContain('<h3 id="service-css">CSS');
    expect(html).toContain('<h3 id="service-settlement-operations">SETTLEMENT OPERATIONS');
    expect(html).toContain('Posted <time datetime="2026-07-06T08:00:00.000Z">6 Jul 2026, 09:00 BST</time>');
    expect(html).toContain('<dt>Next update due</dt><dd><time datetime="2026-07-06T08:45:00.000Z">6 Jul 2026, 09:45 BST</time></dd>');
    expect(html).toContain('Last updated <time datetime="2026-07-06T08:30:00.000Z">6 Jul 2026, 09:30 BST</time>');
  });

  it('lists the resolved one under recent, in GMT for a January resolution', () => {
    const recent = html.slice(html.indexOf('id="recent-heading"'));
    expect(recent).toContain('DIP outage');
    expect(recent).toContain('<dt>Resolved</dt><dd><time datetime="2026-01-15T12:00:00.000Z">15 Jan 2026, 12:00 GMT</time></dd>');
    expect(recent).not.toContain('Next update due');
  });

  it('escapes every value the hub sends', () => {
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<b>');
    expect(html).toContain('CSS outage &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('will be &quot;replayed&quot;; &lt;b&gt;no&lt;/b&gt; action needed.');
    expect(htmlText(`<a href="x" onclick='y'>&`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;');
  });

  it('says an overdue next update is overdue', () => {
    const later = renderStatusPage({ generatedAt: '2026-07-06T09:00:00.000Z', incidents: [live] });
    expect(later).toContain('<strong class="overdue">(overdue)</strong>');
    expect(html).not.toContain('(overdue)');
  });

  it('with nothing live: all operational, nothing in progress, nothing recent', () => {
    const quiet = renderStatusPage({ generatedAt: '2026-11-06T14:03:00.000Z', incidents: [] });
    expect(quiet).toContain('All services operational');
    expect(quiet).not.toContain('Major incident</span>');
    expect(quiet).toContain('No major incidents are in progress.');
    expect(quiet).toContain('No major incidents were resolved in the last 24 hours.');
    expect(quiet).toContain('6 Nov 2026, 14:03 GMT');
  });

  it('is an accessible, script-free document that refreshes itself and links its feeds', () => {
    for (const page of [html, renderStatusPageUnavailable()]) {
      expect(page).toMatch(/^<!doctype html>\n<html lang="en-GB">/);
      expect(page).toContain('<meta http-equiv="refresh" content="60">');
      expect(page).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
      expect(page).not.toMatch(/<script|style=|<style/i);
    }
    expect(html).toContain('<link rel="alternate" type="application/atom+xml" title="CPSD major incident status (Atom)" href="/status.atom">');
    expect(html).toContain('<link rel="alternate" type="application/json" title="CPSD major incident status (JSON)" href="/status.json">');
    for (const landmark of ['<header class="banner">', '<main id="main">', '<footer class="page-footer">', '<h1>']) expect(html).toContain(landmark);
  });
});
