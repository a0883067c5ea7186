using System.Diagnostics;
using Mae.Cluster.Inference.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;

namespace Mae.Cluster.Bench;

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
    private readonly OrtIoBinding? _binding;
    private readonly OrtAllocator? _deviceAllocator;

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
        _flops = 2.0 * m * k * n;
        if (device.IsCuda)
        {
            // On a GPU, operands in host memory would time PCIe copies, not the GEMM: keep them on the device.
            using var memory = new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, device.Index, OrtMemType.Default);
            _deviceAllocator = new OrtAllocator(_session, memory);
            _input = OrtValue.CreateAllocatedTensorValue(_deviceAllocator, TensorElementType.Float, [m, k]);
            _output = OrtValue.CreateAllocatedTensorValue(_deviceAllocator, TensorElementType.Float, [m, n]);
            _binding = _session.CreateIoBinding();
            _binding.BindInput("a", _input);
            _binding.BindOutput("c", _output);
        }
        else
        {
            _input = OrtValue.CreateTensorValueFromMemory(new float[m * k], [m, k]);
            _output = OrtValue.CreateTensorValueFromMemory(new float[m * n], [m, n]);
        }
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

    private void Run()
    {
        if (_binding is not null)
        {
            _session.RunWithBinding(_runOptions, _binding);
        }
        else
        {
            _session.Run(_runOptions, ["a"], [_input], ["c"], [_output]);
        }
    }

    public void Dispose()
    {
        _binding?.Dispose();
        _input.Dispose();
        _output.Dispose();
        _deviceAllocator?.Dispose();
        _session.Dispose();
        _runOptions.Dispose();
    }
}
