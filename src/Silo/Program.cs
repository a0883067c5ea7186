using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Mae.Cluster.Grains;
using Mae.Cluster.Grains.Jobs;
using Mae.Cluster.Grains.Pipeline;
using Mae.Cluster.Grains.Workers;
using Mae.Cluster.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

var builder = Host.CreateApplicationBuilder(args);
var cluster = builder.Configuration.GetSection(MaeClusterOptions.Section).Get<MaeClusterOptions>() ?? new MaeClusterOptions();
var workers = builder.Configuration.GetSection(WorkerOptions.Section).Get<WorkerOptions>() ?? new WorkerOptions();

builder.Services.AddOptions<MaeClusterOptions>().BindConfiguration(MaeClusterOptions.Section).ValidateDataAnnotations()
    .Validate(o => o.Clustering != "AzureStorage" || !string.IsNullOrWhiteSpace(o.ConnectionString),
        "Mae:Cluster:ConnectionString is required when Mae:Cluster:Clustering is AzureStorage.")
    .ValidateOnStart();
builder.Services.AddOptions<CoordinatorOptions>().BindConfiguration(CoordinatorOptions.Section);
builder.Services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.Section);
builder.Services.AddOptions<InferenceOptions>().BindConfiguration(InferenceOptions.Section).ValidateDataAnnotations().ValidateOnStart();

builder.UseOrleans(silo =>
{
    silo.Configure<Orleans.Configuration.ClusterOptions>(o =>
    {
        o.ClusterId = cluster.ClusterId;
        o.ServiceId = cluster.ServiceId;
    });
    if (cluster.Clustering == "AzureStorage" && !string.IsNullOrWhiteSpace(cluster.ConnectionString))
    {
        silo.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(cluster.ConnectionString));
        silo.AddAzureBlobGrainStorage(GrainStorageNames.Jobs, o => o.BlobServiceClient = new BlobServiceClient(cluster.ConnectionString));
        silo.ConfigureEndpoints(cluster.SiloPort, cluster.GatewayPort);
    }
    else
    {
        silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort);
        silo.AddMemoryGrainStorage(GrainStorageNames.Jobs);
    }
});

builder.Services.AddMaeCoordinator();
builder.Services.AddSingleton<IJobInputCatalog>(sp => new StoredInputCatalog(
    sp.GetRequiredService<IOptions<InferenceOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
builder.Services.AddSingleton<IJobOutputCommitter>(sp => new StoredJobOutput(sp.GetRequiredService<TimeProvider>()));
builder.Services.AddSingleton<IShardExecutorFactory, PipelineShardExecutorFactory>();
// After UseOrleans: workers stop first on shutdown and release their leases while the silo still answers.
builder.Services.AddShardWorkers(workers.Devices);

await builder.Build().RunAsync().ConfigureAwait(false);
