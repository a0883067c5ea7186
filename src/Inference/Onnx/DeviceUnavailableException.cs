namespace Mae.Cluster.Inference.Onnx;

/// <summary>The requested execution device cannot be used; the message says what is missing.</summary>
public sealed class DeviceUnavailableException : Exception
{
    public DeviceUnavailableException(string message) : base(message) { }

    public DeviceUnavailableException(string message, Exception inner) : base(message, inner) { }

    public DeviceUnavailableException() { }
}
