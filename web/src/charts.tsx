/**
 * Small charts drawn as inline SVG (no chart library: the CSP and the no-third-party rule), and the table each one
 * sits beside. A chart is an image with a summary (`role="img"`, `aria-label`); its table is the accessible source of
 * truth, with the same figures, and downloads them as CSV. Values are written on the chart, so colour never carries
 * meaning alone. Every chart scales to its container (viewBox, width 100 %).
 */
import type { ComponentChildren } from 'preact';
import { type CsvValue, csvFileName, downloadCsv, toCsv } from './csv';
import { HEAT_LEVELS, heatLegend, heatLevel, linearScale } from './scale';

const WIDTH = 560;
const HEIGHT = 260;
const MARGIN = { top: 28, right: 16, bottom: 44, left: 56 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;

/** Each priority's colour and line dash (the dash tells the lines apart without colour). */
export const SERIES_STYLE: Record<string, { colour: string; dash: string }> = {
  P1: { colour: '#a4161a', dash: '' },
  P2: { colour: '#9a5200', dash: '8 4' },
  P3: { colour: '#0a4f94', dash: '2 3' },
  P4: { colour: '#1d6b36', dash: '10 3 2 3' },
};
const DEFAULT_STYLE = { colour: '#0b3d6e', dash: '' };
const styleOf = (series: string) => SERIES_STYLE[series] ?? DEFAULT_STYLE;

function YAxis({ ticks, format }: { ticks: number[]; format: (value: number) => string }) {
  const top = ticks[ticks.length - 1] ?? 1;
  const y = linearScale([0, top], [MARGIN.top + PLOT_H, MARGIN.top]);
  return (
    <g class="chart-axis">
      {ticks.map((tick) => (
        <g key={tick}>
          <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(tick)} y2={y(tick)} stroke="#d5dbe1" stroke-width={1} />
          <text x={MARGIN.left - 6} y={y(tick) + 4} text-anchor="end" font-size={13} fill="#4a5360">
            {format(tick)}
          </text>
        </g>
      ))}
    </g>
  );
}

export interface BarGroup {
  label: string;
  bars: { series: string; value: number; text: string }[];
}

/** Vertical bars in groups (one group per bucket, one bar per series), each bar labelled with its value and series. */
export function BarChart({
  label,
  groups,
  ticks,
  format,
  showSeries = true,
}: {
  label: string;
  groups: BarGroup[];
  ticks: number[];
  format: (value: number) => string;
  showSeries?: boolean;
}) {
  const top = ticks[ticks.length - 1] ?? 1;
  const y = linearScale([0, top], [MARGIN.top + PLOT_H, MARGIN.top]);
  const groupWidth = PLOT_W / Math.max(1, groups.length);
  return (
    <svg class="chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={label} preserveAspectRatio="xMidYMid meet">
      <YAxis ticks={ticks} format={format} />
      {groups.map((group, g) => {
        const barWidth = Math.min(44, (groupWidth * 0.8) / Math.max(1, group.bars.length));
        const start = MARGIN.left + g * groupWidth + (groupWidth - barWidth * group.bars.length) / 2;
        return (
          <g key={group.label}>
            {group.bars.map((bar, b) => {
              const x = start + b * barWidth;
              const barTop = y(bar.value);
              return (
                <g key={bar.series}>
                  <rect
                    x={x + 2}
                    y={barTop}
                    width={Math.max(1, barWidth - 4)}
                    height={Math.max(0, MARGIN.top + PLOT_H - barTop)}
                    fill={styleOf(bar.series).colour}
                  />
                  <text x={x + barWidth / 2} y={barTop - 4} text-anchor="middle" font-size={13} fill="#1b1f24">
                    {bar.text}
                  </text>
                  {showSeries ? (
                    <text x={x + barWidth / 2} y={MARGIN.top + PLOT_H + 15} text-anchor="middle" font-size={12} fill="#4a5360">
                      {bar.series}
                    </text>
                  ) : null}
                </g>
              );
            })}
            <text
              x={MARGIN.left + g * groupWidth + groupWidth / 2}
              y={MARGIN.top + PLOT_H + (showSeries ? 32 : 18)}
              text-anchor="middle"
              font-size={13}
              fill="#1b1f24"
            >
              {group.label}
            </text>
          </g>
        );
      })}
      <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={MARGIN.top + PLOT_H} y2={MARGIN.top + PLOT_H} stroke="#4a5360" />
    </svg>
  );
}

export interface LineSeries {
  name: string;
  values: (number | null)[];
}

/** Lines over buckets, one per series (each its own colour and dash, named in the legend and at its last point). */
export function LineChart({
  label,
  xLabels,
  series,
  ticks,
  format,
}: {
  label: string;
  xLabels: string[];
  series: LineSeries[];
  ticks: number[];
  format: (value: number) => string;
}) {
  const top = ticks[ticks.length - 1] ?? 1;
  const y = linearScale([0, top], [MARGIN.top + PLOT_H, MARGIN.top]);
  const step = PLOT_W / Math.max(1, xLabels.length);
  const x = (index: number) => MARGIN.left + step * index + step / 2;
  // Crowded buckets: every n-th label on the axis, and no value above each point (the table has every figure).
  const labelEvery = Math.max(1, Math.ceil(72 / step));
  const pointValues = step >= 48;
  return (
    <svg class="chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={label} preserveAspectRatio="xMidYMid meet">
      <YAxis ticks={ticks} format={format} />
      <g class="chart-legend">
        {series.map((s, i) => (
          <g key={s.name} transform={`translate(${MARGIN.left + i * 80}, 10)`}>
            <line x1={0} x2={26} y1={0} y2={0} stroke={styleOf(s.name).colour} stroke-width={3} stroke-dasharray={styleOf(s.name).dash || undefined} />
            <text x={31} y={4} font-size={13} fill="#1b1f24">
              {s.name}
            </text>
          </g>
        ))}
      </g>
      {series.map((s) => {
        const { colour, dash } = styleOf(s.name);
        let path = '';
        let pen = false;
        s.values.forEach((value, i) => {
          if (value === null) {
            pen = false;
            return;
          }
          path += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(value).toFixed(1)}`;
          pen = true;
        });
        const last = s.values.reduce<number>((found, value, i) => (value === null ? found : i), -1);
        return (
          <g key={s.name}>
            {path ? <path d={path} fill="none" stroke={colour} stroke-width={2.5} stroke-dasharray={dash || undefined} /> : null}
            {s.values.map((value, i) =>
              value === null ? null : (
                <g key={i}>
                  <circle cx={x(i)} cy={y(value)} r={4} fill={colour} />
                  {pointValues ? (
                    <text x={x(i)} y={y(value) - 8} text-anchor="middle" font-size={12} fill="#1b1f24">
                      {format(value)}
                    </text>
                  ) : null}
                </g>
              ),
            )}
            {last >= 0 ? (
              <text x={x(last) + 9} y={y(s.values[last] ?? 0) + 4} font-size={13} font-weight={700} fill={colour}>
                {s.name}
              </text>
            ) : null}
          </g>
        );
      })}
      {xLabels.map((text, i) =>
        i % labelEvery ? null : (
          <text key={text} x={x(i)} y={MARGIN.top + PLOT_H + 18} text-anchor="middle" font-size={13} fill="#1b1f24">
            {text}
          </text>
        ),
      )}
      <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={MARGIN.top + PLOT_H} y2={MARGIN.top + PLOT_H} stroke="#4a5360" />
    </svg>
  );
}

/** The heat map's shades, lightest (none) to darkest; text on the two darkest is white. */
export const HEAT_SHADES = ['#f4f6f8', '#dbe7f3', '#9fc0e0', '#3f78b5', '#0b3d6e'];

const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Rows × columns of counts, each cell shaded by its count and showing it, with a legend of the shades. */
export function HeatMap({ label, rows, columns, values }: { label: string; rows: string[]; columns: string[]; values: number[][] }) {
  const labelWidth = 170;
  const cellW = (WIDTH - labelWidth - MARGIN.right) / Math.max(1, columns.length);
  const cellH = 30;
  const headH = 24;
  const legendH = 44;
  const height = headH + rows.length * cellH + legendH;
  const max = Math.max(0, ...values.flat());
  const legend = heatLegend(max, HEAT_LEVELS);
  return (
    <svg class="chart" viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label={label} preserveAspectRatio="xMidYMid meet">
      {columns.map((column, c) => (
        <text key={column} x={labelWidth + c * cellW + cellW / 2} y={16} text-anchor="middle" font-size={13} font-weight={700} fill="#1b1f24">
          {column}
        </text>
      ))}
      {rows.map((row, r) => (
        <g key={row}>
          <text x={labelWidth - 8} y={headH + r * cellH + cellH / 2 + 4} text-anchor="end" font-size={13} fill="#1b1f24">
            {truncate(row, 22)}
          </text>
          {columns.map((column, c) => {
            const count = values[r]?.[c] ?? 0;
            const level = heatLevel(count, max);
            return (
              <g key={column}>
                <rect
                  x={labelWidth + c * cellW + 1}
                  y={headH + r * cellH + 1}
                  width={cellW - 2}
                  height={cellH - 2}
                  fill={HEAT_SHADES[level]}
                  stroke="#c7ced6"
                />
                <text
                  x={labelWidth + c * cellW + cellW / 2}
                  y={headH + r * cellH + cellH / 2 + 4}
                  text-anchor="middle"
                  font-size={14}
                  font-weight={700}
                  fill={level >= 3 ? '#ffffff' : '#1b1f24'}
                >
                  {count}
                </text>
              </g>
            );
          })}
        </g>
      ))}
      <g transform={`translate(${labelWidth}, ${headH + rows.length * cellH + 14})`}>
        <text x={-8} y={13} text-anchor="end" font-size={13} fill="#4a5360">
          Open cases
        </text>
        {legend.map((entry, i) => (
          <g key={entry.level} transform={`translate(${i * 72}, 0)`}>
            <rect width={18} height={18} fill={HEAT_SHADES[entry.level]} stroke="#c7ced6" />
            <text x={23} y={13} font-size={13} fill="#1b1f24">
              {entry.from === entry.to ? entry.from : `${entry.from}–${entry.to}`}
            </text>
          </g>
        ))}
      </g>
    </svg>
  );
}

/** A table cell: its text, and the value its CSV field gets when that differs (e.g. minutes behind "3.5 h"). */
export type TableCell = string | number | { text: string; csv: CsvValue };

const cellText = (cell: TableCell) => (typeof cell === 'object' ? cell.text : String(cell));
const cellCsv = (cell: TableCell): CsvValue => (typeof cell === 'object' ? cell.csv : cell);

/**
 * A figures table (first column the row header), scrolling sideways on a narrow screen, with a button that downloads
 * exactly its figures as CSV. `csvHead` names the CSV's columns where they differ from the table's (units).
 */
export function ReportTable({
  id,
  caption,
  head,
  csvHead,
  rows,
  fileSuffix,
  empty = 'None in this period.',
}: {
  id: string;
  caption: string;
  head: string[];
  csvHead?: string[];
  rows: TableCell[][];
  fileSuffix: string;
  empty?: string;
}) {
  const download = () =>
    downloadCsv(
      csvFileName(caption, fileSuffix),
      toCsv(
        csvHead ?? head,
        rows.map((row) => row.map(cellCsv)),
      ),
    );
  return (
    <div class="report-table">
      {/* The caption, shown outside the scrolling region so a narrow screen shows all of it; the table keeps its own. */}
      <p class="table-title" aria-hidden="true">
        {caption}
      </p>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard to scroll it */}
      <section class="table-scroll" aria-labelledby={`${id}-caption`} tabIndex={0}>
        <table class="figures" id={id} data-testid={id}>
          <caption id={`${id}-caption`} class="visually-hidden">
            {caption}
          </caption>
          <thead>
            <tr>
              {head.map((text) => (
                <th scope="col" key={text}>
                  {text}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.length ? (
              rows.map((row, r) => (
                <tr key={r}>
                  {row.map((cell, c) =>
                    c === 0 ? (
                      <th scope="row" key={c}>
                        {cellText(cell)}
                      </th>
                    ) : (
                      <td key={c} class={typeof cellCsv(cell) === 'number' ? 'num' : undefined}>
                        {cellText(cell)}
                      </td>
                    ),
                  )}
                </tr>
              ))
            ) : (
              <tr>
                <td colSpan={head.length} class="muted">
                  {empty}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </section>
      <button type="button" class="button-secondary download-csv" onClick={download}>
        Download CSV<span class="visually-hidden">: {caption}</span>
      </button>
    </div>
  );
}

/** A chart (or an empty-state line) with its table beside it, under a heading. */
export function ReportFigure({
  id,
  title,
  description,
  chart,
  children,
}: {
  id: string;
  title: string;
  description?: string;
  chart?: ComponentChildren;
  children: ComponentChildren;
}) {
  return (
    <section class="card report-figure" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      {description ? <p class="muted figure-description">{description}</p> : null}
      <div class={chart ? 'figure-body' : 'figure-body figure-table-only'}>
        {chart ? <div class="figure-chart">{chart}</div> : null}
        {children}
      </div>
    </section>
  );
}
