/** @segnas/trainer */
export {};
