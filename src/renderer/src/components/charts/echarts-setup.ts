/**
 * The parts of ECharts the workbench's charts use, registered once: line charts (training runs),
 * bar charts with custom-series error bars (per-class AUROC with its CI) and radar charts
 * (evaluations' headline metrics), with tooltips, legends and mark lines, drawn by the SVG renderer
 * (small bundle, inspectable DOM). Only the lazily loaded chart components import this, so ECharts
 * stays out of the initial bundle.
 */
import {
  BarChart,
  CustomChart,
  LineChart,
  RadarChart,
  type BarSeriesOption,
  type CustomSeriesOption,
  type LineSeriesOption,
  type RadarSeriesOption,
} from 'echarts/charts';
import {
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  RadarComponent,
  TooltipComponent,
  type GridComponentOption,
  type LegendComponentOption,
  type MarkLineComponentOption,
  type RadarComponentOption,
  type TooltipComponentOption,
} from 'echarts/components';
import { init, use, type ComposeOption, type ECharts } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

use([
  LineChart,
  BarChart,
  CustomChart,
  RadarChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  MarkLineComponent,
  RadarComponent,
  SVGRenderer,
]);

export type ChartOption = ComposeOption<
  | LineSeriesOption
  | BarSeriesOption
  | CustomSeriesOption
  | RadarSeriesOption
  | GridComponentOption
  | TooltipComponentOption
  | LegendComponentOption
  | MarkLineComponentOption
  | RadarComponentOption
>;
export type { ECharts };

/** A chart drawn as SVG in `element`. */
export function createChart(element: HTMLElement): ECharts {
  return init(element, undefined, { renderer: 'svg' });
}
