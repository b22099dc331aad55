/** @segnas/config */
export {};
