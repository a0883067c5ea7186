using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace Mae.Cluster.Inference.Onnx;

/// <summary>
/// The machine's GEMM rate through ONNX Runtime itself (one MatMul node, same device, threads and precision as the
/// model), the yardstick for how well the model graphs use the hardware. Measure it beside the model, in the same
/// run, so both see the same machine.
/// </summary>
public sealed class MatMulProbe : IDisposable
{
    private readonly InferenceSession _session;
    private readonly OrtValue _input;
    private readonly OrtValue _output;
    private readonly RunOptions _runOptions = new();
    private readonly double _flops;

    public MatMulProbe(ExecutionDevice device, int threads, Precision precision, int m, int k, int n, string workDirectory)
    {
        Directory.CreateDirectory(workDirectory);
        var half = precision == Precision.Fp16;
        var path = Path.Combine(workDirectory, $"matmul_{m}x{k}x{n}_{precision}.onnx".ToLowerInvariant());
        var writer = new OnnxGraphWriter("matmul_probe");
        var a = writer.Input("a", TensorProto.Types.DataType.Float, m, k);
        var weights = new float[k * n];
        var random = new Random(7);
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = (float)(random.NextDouble() - 0.5);
        }
        var b = writer.Initializer("b", weights, [k, n], half);
        var left = half ? writer.Node("Cast", [a], attributes: ("to", (long)TensorProto.Types.DataType.Float16)) : a;
        var product = writer.Node("MatMul", [left, b]);
        var result = half ? writer.Node("Cast", [product], attributes: ("to", (long)TensorProto.Types.DataType.Float)) : product;
        writer.Output(result, "c", TensorProto.Types.DataType.Float, m, n);
        writer.Save(path, "probe", new Dictionary<string, string>());

        _session = OnnxSessionFactory.Create(path, device, threads);
        _input = OrtValue.CreateTensorValueFromMemory(new float[m * k], [m, k]);
        _output = OrtValue.CreateTensorValueFromMemory(new float[m * n], [m, n]);
        _flops = 2.0 * m * k * n;
        Run();
    }

    /// <returns>Achieved GFLOP/s, best of <paramref name="iterations"/> runs.</returns>
    public double MeasureGflops(int iterations)
    {
        var best = double.MaxValue;
        for (var i = 0; i < Math.Max(1, iterations); i++)
        {
            var watch = Stopwatch.StartNew();
            Run();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        return _flops / best / 1e9;
    }

    private void Run() => _session.Run(_runOptions, ["a"], [_input], ["c"], [_output]);

    public void Dispose()
    {
        _session.Dispose();
        _input.Dispose();
        _output.Dispose();
        _runOptions.Dispose();
    }
}
