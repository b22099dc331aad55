/** camvid-mini (beside the repo, read-only) loads through the pipeline; skipped when absent, outside CI. */
import * as path from "path";
import { DataLoader } from "./loader";
import { resolveDataOptions } from "./options";
import { hasSharedFile } from "../testing/shared-data";

const dir = path.resolve(__dirname, "../../../../../shared/datasets/camvid-mini");
const present = hasSharedFile(path.join(dir, "val.list"));

(present ? describe : describe.skip)("camvid-mini", () => {
  it("loads validation batches with 11 classes and ignore 255", async () => {
    const data = resolveDataOptions({
      dataDir: dir,
      trainFileList: path.join(dir, "train.list"),
      valFileList: path.join(dir, "val.list"),
      numClasses: 11,
      evalCropSize: [128, 96],
      batchSize: 4,
      augMethod: "stepscaling",
    });
    const loader = new DataLoader(data, { phase: "eval", cacheBytes: 0 });
    try {
      expect(loader.numSamples).toBe(101);
      const b = await loader.loadBatch(0, 0);
      expect([b.n, b.height, b.width]).toEqual([4, 96, 128]);
      const ids = new Set(b.labels);
      for (const v of ids) expect(v === 255 || (v >= 0 && v < 11)).toBe(true);
      expect(ids.has(3)).toBe(true); // road
    } finally {
      await loader.close();
    }
  });
});
