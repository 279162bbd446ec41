import packageJson from '../../package.json';

export const APP_NAME = 'CT-VLM Workbench';
export const APP_VERSION: string = packageJson.version;
