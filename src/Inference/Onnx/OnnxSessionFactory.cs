using Microsoft.ML.OnnxRuntime;

namespace Mae.Cluster.Inference.Onnx;

/// <summary>Creates ONNX Runtime sessions for a device, turning provider failures into actionable errors.</summary>
public static class OnnxSessionFactory
{
    private const string CudaProvider = "CUDAExecutionProvider";

    /// <param name="intraOpThreads">Threads for one operator on CPU; 0 for one per physical core (<see cref="CpuCores.ForInference"/>).</param>
    public static InferenceSession Create(string modelPath, ExecutionDevice device, int intraOpThreads)
    {
        ArgumentNullException.ThrowIfNull(device);
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = intraOpThreads > 0 ? intraOpThreads : CpuCores.ForInference,
            InterOpNumThreads = 1,
            // ONNX Runtime's warnings (e.g. shape ops placed on the CPU beside a CUDA graph) are expected here, not actionable.
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        try
        {
            if (!device.IsCuda)
            {
                return new InferenceSession(modelPath, options);
            }
            AppendCuda(options, device.Index);
            try
            {
                return new InferenceSession(modelPath, options);
            }
            catch (OnnxRuntimeException e)
            {
                throw CudaFailure(device.Index, e);
            }
        }
        finally
        {
            options.Dispose();
        }
    }

    /// <summary>
    /// Refuses a device this build cannot drive at all (CUDA on the CPU-only ONNX Runtime) before any work; whether the
    /// machine's driver and libraries work shows only when a session starts.
    /// </summary>
    /// <exception cref="DeviceUnavailableException">The device needs an execution provider this build lacks.</exception>
    public static void EnsureSupported(ExecutionDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.IsCuda && !OrtEnv.Instance().GetAvailableProviders().Contains(CudaProvider))
        {
            throw new DeviceUnavailableException(
                "This build of Mae.Cluster uses the CPU-only ONNX Runtime, so --device cuda is not available. " +
                "Build with -p:Gpu=true (Microsoft.ML.OnnxRuntime.Gpu) or use --device cpu.");
        }
    }

    private static void AppendCuda(SessionOptions options, int deviceIndex)
    {
        EnsureSupported(new ExecutionDevice(true, deviceIndex));
        try
        {
            using var cuda = new OrtCUDAProviderOptions();
            cuda.UpdateOptions(new Dictionary<string, string>
            {
                ["device_id"] = deviceIndex.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["cudnn_conv_algo_search"] = "DEFAULT",
                ["arena_extend_strategy"] = "kSameAsRequested",
            });
            options.AppendExecutionProvider_CUDA(cuda);
        }
        catch (OnnxRuntimeException e)
        {
            throw CudaFailure(deviceIndex, e);
        }
    }

    private static DeviceUnavailableException CudaFailure(int deviceIndex, OnnxRuntimeException e) => new(
        $"Cannot start CUDA device {deviceIndex}: {e.Message} " +
        "ONNX Runtime 1.31 needs an NVIDIA driver R580 or newer, the CUDA 13 runtime libraries " +
        "(libcudart.so.13, libcublas.so.13, libcublasLt.so.13, libcurand.so.10) and cuDNN 9 on the library path.", e);
}
