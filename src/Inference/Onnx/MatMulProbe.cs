using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace Mae.Cluster.Inference.Onnx;

/// <summary>
/// Measures the machine's fp32 GEMM rate through ONNX Runtime itself (one MatMul node, same threads as the model),
/// the yardstick for how well the model graphs use the hardware.
/// </summary>
public static class MatMulProbe
{
    /// <returns>Achieved GFLOP/s of an [m×k]·[k×n] MatMul, best of <paramref name="iterations"/> runs after a warm-up.</returns>
    public static double MeasureGflops(ExecutionDevice device, int threads, int m, int k, int n, int iterations, string workDirectory)
    {
        Directory.CreateDirectory(workDirectory);
        var path = Path.Combine(workDirectory, $"matmul_{m}x{k}x{n}.onnx");
        var writer = new OnnxGraphWriter("matmul_probe");
        var a = writer.Input("a", TensorProto.Types.DataType.Float, m, k);
        var weights = new float[k * n];
        var random = new Random(7);
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = (float)(random.NextDouble() - 0.5);
        }
        var b = writer.Initializer("b", weights, [k, n], asFloat16: false);
        writer.Output(writer.Node("MatMul", [a, b]), "c", TensorProto.Types.DataType.Float, m, n);
        writer.Save(path, "probe", new Dictionary<string, string>());

        using var session = OnnxSessionFactory.Create(path, device, threads);
        var input = new float[m * k];
        var output = new float[m * n];
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, [m, k]);
        using var outputValue = OrtValue.CreateTensorValueFromMemory(output, [m, n]);
        using var runOptions = new RunOptions();
        session.Run(runOptions, ["a"], [inputValue], ["c"], [outputValue]);
        var best = double.MaxValue;
        for (var i = 0; i < iterations; i++)
        {
            var watch = Stopwatch.StartNew();
            session.Run(runOptions, ["a"], [inputValue], ["c"], [outputValue]);
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        return 2.0 * m * k * n / best / 1e9;
    }
}
