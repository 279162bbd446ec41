/** The only two IPC channels between the Electron preload and main. */
export const IPC_INVOKE_CHANNEL = 'ctvlm:invoke';
export const IPC_EVENT_CHANNEL = 'ctvlm:event';
