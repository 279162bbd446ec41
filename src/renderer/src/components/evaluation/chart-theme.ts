/** Colours and axis styles the evaluation charts share with the page's dark theme. */
export const TEXT_COLOUR = '#e3e8ee';
export const MUTED_COLOUR = '#8b98a5';
export const BORDER_COLOUR = '#2b3540';
export const BAR_COLOUR = '#4aa3ff';
export const CI_COLOUR = '#e3e8ee';
export const CHANCE_COLOUR = '#8b98a5';
