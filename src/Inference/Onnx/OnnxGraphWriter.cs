using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace Mae.Cluster.Inference.Onnx;

/// <summary>
/// Builds one ONNX graph node by node. Large initializers go to an external-data file beside the model
/// (the protobuf itself is capped at 2 GB, and vit-mae-huge's weights alone exceed that), small ones inline.
/// </summary>
public sealed class OnnxGraphWriter
{
    public const int DefaultOpset = 17;
    public const string MicrosoftDomain = "com.microsoft";

    private const int ExternalThresholdBytes = 1024;
    private const int ExternalAlignment = 64;

    private readonly GraphProto _graph = new();
    private readonly List<(TensorProto Proto, byte[] Bytes)> _externals = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    // Operator sets the model imports: the default domain, and each other domain a node uses.
    private readonly SortedDictionary<string, int> _opsetImports = new(StringComparer.Ordinal) { [""] = DefaultOpset };
    private int _nodeCounter;

    public OnnxGraphWriter(string graphName) => _graph.Name = graphName;

    public string Input(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        _graph.Input.Add(ValueInfo(name, type, dims));
        return Reserve(name);
    }

    public void Output(string tensor, string name, TensorProto.Types.DataType type, params object[] dims)
    {
        if (tensor != name)
        {
            Node("Identity", [tensor], name);
        }
        _graph.Output.Add(ValueInfo(name, type, dims));
    }

    /// <summary>A float tensor stored at the given precision.</summary>
    public string Initializer(string name, ReadOnlySpan<float> values, long[] dims, bool asFloat16)
    {
        byte[] bytes;
        TensorProto.Types.DataType type;
        if (asFloat16)
        {
            bytes = new byte[values.Length * 2];
            var halves = MemoryMarshal.Cast<byte, Half>(bytes.AsSpan());
            for (var i = 0; i < values.Length; i++)
            {
                halves[i] = (Half)values[i];
            }
            type = TensorProto.Types.DataType.Float16;
        }
        else
        {
            bytes = MemoryMarshal.AsBytes(values).ToArray();
            type = TensorProto.Types.DataType.Float;
        }
        return AddInitializer(name, type, dims, bytes);
    }

    public string Int64Constant(string name, params long[] values) =>
        AddInitializer(name, TensorProto.Types.DataType.Int64, [values.Length], MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    public string Int64Scalar(string name, long value) =>
        AddInitializer(name, TensorProto.Types.DataType.Int64, [], BitConverter.GetBytes(value));

    public string ScalarConstant(string name, float value, bool asFloat16) =>
        Initializer(name, [value], [], asFloat16);

    /// <summary>
    /// Adds a node with one output and returns that output's name. A node in a domain other than the default one
    /// imports version 1 of that operator set into the model (every <c>com.microsoft</c> contrib operator is version 1).
    /// </summary>
    public string Node(string op, IReadOnlyList<string> inputs, string? output = null, string domain = "",
        params (string Name, object Value)[] attributes)
    {
        var id = _nodeCounter++;
        var outName = Reserve(output ?? $"{op.ToLowerInvariant()}_{id.ToString(CultureInfo.InvariantCulture)}");
        AddNode(op, inputs, [outName], domain, id, attributes);
        return outName;
    }

    /// <summary>Adds a node with several outputs.</summary>
    public string[] MultiNode(string op, IReadOnlyList<string> inputs, int outputCount, params (string Name, object Value)[] attributes) =>
        MultiNode(op, inputs, Enumerable.Repeat(true, outputCount).ToArray(), "", attributes);

    /// <summary>
    /// Adds a node in <paramref name="domain"/> whose outputs are chosen by position: output i is produced when
    /// <paramref name="wanted"/>[i] is true. An optional output left out gets the empty name (ONNX's "absent") and
    /// trailing absent outputs are dropped; the result holds each output's name, or <c>""</c> for one left out.
    /// </summary>
    public string[] MultiNode(string op, IReadOnlyList<string> inputs, IReadOnlyList<bool> wanted, string domain,
        params (string Name, object Value)[] attributes)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        var id = _nodeCounter++;
        var outs = wanted
            .Select((want, i) => want ? Reserve(string.Create(CultureInfo.InvariantCulture, $"{op.ToLowerInvariant()}_{id}_{i}")) : "")
            .ToArray();
        var produced = outs.Length;
        while (produced > 0 && outs[produced - 1].Length == 0)
        {
            produced--;
        }
        AddNode(op, inputs, outs[..produced], domain, id, attributes);
        return outs;
    }

    /// <summary>Writes <paramref name="modelPath"/> and its external data file (<c>modelPath + ".data"</c>).</summary>
    public void Save(string modelPath, string producerVersion, IReadOnlyDictionary<string, string> metadata)
    {
        var dataFile = Path.GetFileName(modelPath) + ".data";
        using (var data = new FileStream(modelPath + ".data", FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            foreach (var (proto, bytes) in _externals)
            {
                var pad = (int)((ExternalAlignment - data.Position % ExternalAlignment) % ExternalAlignment);
                data.Write(new byte[pad]);
                proto.DataLocation = TensorProto.Types.DataLocation.External;
                proto.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = dataFile });
                proto.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = data.Position.ToString(CultureInfo.InvariantCulture) });
                proto.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = bytes.Length.ToString(CultureInfo.InvariantCulture) });
                data.Write(bytes);
            }
        }

        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "Mae.Cluster",
            ProducerVersion = producerVersion,
            Graph = _graph,
        };
        foreach (var (domain, version) in _opsetImports)
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        }
        foreach (var (key, value) in metadata)
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }
        using var file = new FileStream(modelPath, FileMode.Create, FileAccess.Write, FileShare.None);
        model.WriteTo(file);
    }

    private string AddInitializer(string name, TensorProto.Types.DataType type, long[] dims, byte[] bytes)
    {
        var proto = new TensorProto { Name = Reserve(name), DataType = (int)type };
        proto.Dims.AddRange(dims);
        if (bytes.Length >= ExternalThresholdBytes)
        {
            _externals.Add((proto, bytes));
        }
        else
        {
            proto.RawData = ByteString.CopyFrom(bytes);
        }
        _graph.Initializer.Add(proto);
        return proto.Name;
    }

    private void AddNode(string op, IReadOnlyList<string> inputs, string[] outputs, string domain, int id,
        (string Name, object Value)[] attributes)
    {
        if (domain.Length > 0 && !_opsetImports.ContainsKey(domain))
        {
            _opsetImports[domain] = 1;
        }
        var node = new NodeProto
        {
            OpType = op,
            Domain = domain,
            Name = string.Create(CultureInfo.InvariantCulture, $"{op}_{id}"),
        };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        foreach (var (attrName, value) in attributes)
        {
            node.Attribute.Add(Attribute(attrName, value));
        }
        _graph.Node.Add(node);
    }

    private string Reserve(string name) =>
        _names.Add(name) ? name : throw new InvalidOperationException($"ONNX value name '{name}' used twice.");

    private static AttributeProto Attribute(string name, object value) => value switch
    {
        long l => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = l },
        int i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
        float f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f },
        string s => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(s) },
        long[] ls => Ints(name, ls),
        int[] ints => Ints(name, ints.Select(x => (long)x).ToArray()),
        _ => throw new ArgumentException($"Unsupported attribute type {value.GetType()} for '{name}'."),
    };

    private static AttributeProto Ints(string name, long[] values)
    {
        var attr = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attr.Ints.AddRange(values);
        return attr;
    }

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim switch
            {
                string param => new TensorShapeProto.Types.Dimension { DimParam = param },
                int value => new TensorShapeProto.Types.Dimension { DimValue = value },
                long value => new TensorShapeProto.Types.Dimension { DimValue = value },
                _ => throw new ArgumentException($"Bad dimension {dim} for '{name}'."),
            });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}
