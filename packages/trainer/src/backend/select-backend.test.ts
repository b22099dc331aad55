import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import { isSegnasError } from "@segnas/core";
import { explainLoadError, resetNativeLoadsForTests, type NativeLoaders } from "./native";
import { selectBackend } from "./select-backend";
import { tf } from "./tf";

const notFound = (pkg: string): NativeLoaders => ({
  resolve: () => {
    const e = new Error(`Cannot find module '${pkg}'`) as Error & { code: string };
    e.code = "MODULE_NOT_FOUND";
    throw e;
  },
  load: () => undefined,
});

const noNative: NativeLoaders = {
  resolve: (pkg) => notFound(pkg).resolve(pkg),
  load: () => undefined,
};

/** A stand-in for tfjs-node: registers a "tensorflow" backend that runs the cpu kernels. */
function fakeTfjsNode(gpu: boolean): NativeLoaders {
  return {
    resolve: (pkg) => `/fake/${pkg}`,
    load: () => {
      if (!tf.findBackendFactory("tensorflow")) {
        for (const k of tf.getKernelsForBackend("cpu"))
          tf.registerKernel({ ...k, backendName: "tensorflow" });
        tf.registerBackend("tensorflow", () =>
          Object.assign(new MathBackendCPU(), { isUsingGpuDevice: gpu }),
        );
      }
      return { version: { "tfjs-node": "4.22.0", "tfjs-core": "4.22.0" } };
    },
  };
}

function removeFakeTensorflow(): void {
  if (tf.findBackendFactory("tensorflow")) {
    tf.removeBackend("tensorflow");
    for (const k of tf.getKernelsForBackend("tensorflow")) tf.unregisterKernel(k.kernelName, "tensorflow");
  }
}

beforeEach(() => {
  resetNativeLoadsForTests();
});

afterEach(async () => {
  removeFakeTensorflow();
  await tf.setBackend("cpu");
});

describe("explainLoadError", () => {
  it("names missing CUDA libraries and the versions needed", () => {
    const r = explainLoadError(
      "@tensorflow/tfjs-node-gpu",
      new Error("libcudart.so.11.0: cannot open shared object file: No such file or directory"),
    );
    expect(r).toContain("libcudart.so.11.0 not found");
    expect(r).toContain("CUDA 11.2 and cuDNN 8.1");
  });
  it("explains a missing native binding and a missing libtensorflow", () => {
    expect(
      explainLoadError(
        "@tensorflow/tfjs-node",
        new Error("Cannot find module '/x/lib/napi-v8/tfjs_binding.node'"),
      ),
    ).toContain("npm rebuild @tensorflow/tfjs-node");
    expect(
      explainLoadError(
        "@tensorflow/tfjs-node",
        new Error("libtensorflow.so.2: cannot open shared object file"),
      ),
    ).toContain("libtensorflow is missing");
  });
});

describe("selectBackend", () => {
  it("auto falls back to wasm when no native package is installed, with install hints", async () => {
    const sel = await selectBackend("auto", undefined, { env: {}, loaders: noNative });
    expect(sel.backend).toBe("wasm");
    expect(sel.tfBackend).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(sel.formulation).toBe("portable");
    // webgpu: no adapter here, or (CI's llvmpipe) a software one, which auto skips.
    expect(sel.rejected.map((r) => r.backend)).toEqual(["tensorflow-gpu", "webgpu", "tensorflow"]);
    expect(sel.rejected[0]?.reason).toContain("npm install @tensorflow/tfjs-node-gpu@4.22.0");
    expect(sel.rejected[0]?.reason).toContain("CUDA 11.2");
    expect(sel.rejected[1]?.reason).toMatch(/software rasteriser|no WebGPU adapter/);
    expect(sel.rejected[2]?.reason).toContain("npm install @tensorflow/tfjs-node@4.22.0");
  }, 60000);

  it("SEGNAS_BACKEND overrides the argument; bad values are typed errors", async () => {
    const sel = await selectBackend("wasm", undefined, { env: { SEGNAS_BACKEND: "cpu" }, loaders: noNative });
    expect(sel.backend).toBe("cpu");
    expect(sel.source).toBe("env");
    await expect(selectBackend("auto", undefined, { env: { SEGNAS_BACKEND: "gpu" } })).rejects.toMatchObject({
      code: "SEGNAS_E_BACKEND",
    });
  }, 60000);

  it("a named backend that cannot load is an error with the reason (no silent fallback)", async () => {
    const err = await selectBackend("tensorflow", undefined, { env: {}, loaders: noNative }).catch(
      (e: unknown) => e,
    );
    expect(isSegnasError(err)).toBe(true);
    expect((err as Error).message).toContain("npm install @tensorflow/tfjs-node@4.22.0");
  });

  it("reports missing CUDA libraries for tfjs-node-gpu", async () => {
    const loaders: NativeLoaders = {
      resolve: (pkg) => `/fake/${pkg}`,
      load: () => {
        throw new Error("libcudnn.so.8: cannot open shared object file: No such file or directory");
      },
    };
    const err = await selectBackend("tensorflow-gpu", undefined, { env: {}, loaders }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toContain("libcudnn.so.8 not found");
  });

  it("rejects tfjs-node-gpu without a GPU, then uses its TensorFlow on the CPU", async () => {
    const sel = await selectBackend("auto", undefined, { env: {}, loaders: fakeTfjsNode(false) });
    expect(sel.rejected[0]?.reason).toContain("found no GPU");
    expect(sel.backend).toBe("tensorflow");
    expect(sel.formulation).toBe("native");
    expect(sel.details.gpu).toBe(false);
  }, 60000);

  it("accepts tfjs-node-gpu when it runs on a GPU", async () => {
    const sel = await selectBackend("auto", undefined, { env: {}, loaders: fakeTfjsNode(true) });
    expect(sel.backend).toBe("tensorflow-gpu");
    expect(sel.rejected).toEqual([]);
  }, 60000);

  it("rejects a native package that registers no backend into our tfjs-core", async () => {
    const loaders: NativeLoaders = {
      resolve: (p) => `/fake/${p}`,
      load: () => ({ version: { "tfjs-core": "3.21.0" } }),
    };
    const err = await selectBackend("tensorflow", undefined, { env: {}, loaders }).catch((e: unknown) => e);
    expect((err as Error).message).toContain('registered no "tensorflow" backend');
  });
});
