using OfflineSafety.Meta.Critics;
using OfflineSafety.Nn.Randomness;
using OfflineSafety.Testing;

namespace OfflineSafety.Meta.Tests.Export;

/// <summary>
/// A second, independent reader of our files: the ONNX project's own Python package (Debian's
/// python3-onnx 1.12, installed when missing) loads the file, runs its checker with full shape
/// inference, and the graph is then evaluated with numpy from the initializers it decoded. That
/// checks the protobuf and the raw_data decoding by code that shares nothing with ONNX Runtime.
/// </summary>
public sealed class OnnxPythonReaderTests
{
    private const string Script = """
        import sys
        import numpy as np
        import onnx
        from onnx import numpy_helper, shape_inference

        model_path, obs_path, action_path, out_path, obs_dim, act_dim = sys.argv[1:7]
        model = onnx.load(model_path)
        onnx.checker.check_model(model, full_check=True)
        inferred = shape_inference.infer_shapes(model, strict_mode=True)
        assert model.opset_import[0].version == 17, model.opset_import
        dims = {o.name: [d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim] for o in inferred.graph.output}
        assert dims["risk"] == ["N"], dims
        values = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
        values["obs"] = np.fromfile(obs_path, dtype="<f4").reshape(-1, int(obs_dim))
        values["action"] = np.fromfile(action_path, dtype="<f4").reshape(-1, int(act_dim))
        attributes = lambda node: {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        for node in model.graph.node:
            x = [values[name] for name in node.input]
            a = attributes(node)
            if node.op_type == "Concat": y = np.concatenate(x, axis=a["axis"])
            elif node.op_type == "Sub": y = x[0] - x[1]
            elif node.op_type == "Div": y = x[0] / x[1]
            elif node.op_type == "Gemm": y = x[0] @ (x[1].T if a.get("transB", 0) else x[1]) + x[2]
            elif node.op_type == "Relu": y = np.maximum(x[0], 0)
            elif node.op_type == "Sigmoid": y = 1 / (1 + np.exp(-x[0]))
            elif node.op_type == "ReduceMax": y = x[0].max(axis=tuple(a["axes"]), keepdims=bool(a["keepdims"]))
            else: raise SystemExit("unexpected operator " + node.op_type)
            values[node.output[0]] = y.astype(np.float32)
        values["risk"].astype("<f4").tofile(out_path)
        """;

    [Fact]
    public void Python_onnx_checks_the_file_and_numpy_reproduces_the_risk()
    {
        DebianPackages.EnsureInstalled("python3-onnx");
        var random = new Xoshiro256StarStar(21);
        var critic = CriticOnnxExportTests.RandomCritic(CriticArchitecture.TwoBy256, 3, 2, random);
        const int rows = 1000;
        var (obs, action) = CriticOnnxExportTests.RawInputs(critic.Normalization, rows, random);

        using var folder = new TempDirectory();
        string model = Path.Combine(folder.Path, "critic.onnx"), obsFile = Path.Combine(folder.Path, "obs.f32"),
            actionFile = Path.Combine(folder.Path, "action.f32"), outFile = Path.Combine(folder.Path, "risk.f32");
        File.WriteAllBytes(model, CriticOnnxExportTests.Export(critic));
        File.WriteAllBytes(obsFile, System.Runtime.InteropServices.MemoryMarshal.AsBytes(obs.AsSpan()).ToArray());
        File.WriteAllBytes(actionFile, System.Runtime.InteropServices.MemoryMarshal.AsBytes(action.AsSpan()).ToArray());

        var run = ProcessRunner.Run(H5py.Python, ["-c", Script, model, obsFile, actionFile, outFile, "3", "2"], TimeSpan.FromMinutes(2));
        Assert.True(run.ExitCode == 0, $"python3 onnx reader failed (exit {run.ExitCode}): {run.Output}");

        var theirs = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(outFile)).ToArray();
        var ours = new float[rows];
        critic.Score(obs, action, rows, ours);
        Assert.Equal(rows, theirs.Length);
        for (int i = 0; i < rows; i++) Assert.True(MathF.Abs(ours[i] - theirs[i]) <= 1e-5f, $"risk[{i}]: ours {ours[i]}, numpy {theirs[i]}");
    }
}
