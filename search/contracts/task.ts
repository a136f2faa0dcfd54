/** What a network is built for: one label per image, or one per pixel. */
export type Task = 'classification' | 'segmentation';
