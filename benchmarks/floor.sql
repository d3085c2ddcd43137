-- The floor: one hand-written DuckDB statement computing every section of one month (UTC days).
-- Parameters: $start, $end (naive UTC timestamps).
WITH i AS (
    SELECT CAST(created_at AS DATE) AS day, service_type, project_id, agent_id, model, pricing_rule, unit,
           request_id, coalesce(cost, 0) AS cost, quantity
    FROM usage_items WHERE created_at >= $start AND created_at < $end
), r AS (
    SELECT project_id, agent_id, conversation_id, coalesce(input_tokens, 0) + coalesce(output_tokens, 0) AS tokens
    FROM usage_requests WHERE created_at >= $start AND created_at < $end
), f AS (
    SELECT day, service_type, project_id, model, pricing_rule, unit, sum(cost) AS cost, sum(quantity) AS q
    FROM i GROUP BY ALL
), agents_ranked AS (
    SELECT coalesce(ai.agent_id, ar.agent_id) AS agent_id, coalesce(ai.cost, 0) AS cost,
           coalesce(ar.n, 0) AS requests, coalesce(ar.c, 0) AS conversations,
           coalesce(a.project_id, least(ai.p, ar.p)) AS project_id, a.name
    FROM (SELECT agent_id, sum(cost) AS cost, min(project_id) AS p FROM i WHERE agent_id IS NOT NULL GROUP BY ALL) ai
    FULL JOIN (SELECT agent_id, count(*) AS n, count(DISTINCT conversation_id) AS c, min(project_id) AS p
               FROM r WHERE agent_id IS NOT NULL GROUP BY ALL) ar USING (agent_id)
    LEFT JOIN agents a ON a.agent_id = coalesce(ai.agent_id, ar.agent_id)
)
SELECT 'kpis' AS s, NULL::DATE AS day, NULL AS k1, NULL AS k2, NULL AS k3,
       (SELECT count(*) FROM r)::DOUBLE AS v1, (SELECT sum(tokens) FROM r)::DOUBLE AS v2,
       (SELECT count(DISTINCT conversation_id) FROM r)::DOUBLE AS v3
UNION ALL SELECT 'models', NULL, NULL, NULL, NULL, count(DISTINCT model), sum(cost), NULL FROM f
UNION ALL SELECT 'active_projects', NULL, project_id, NULL, NULL, count(*), NULL, NULL FROM r GROUP BY project_id
UNION ALL SELECT 'cost_by_service_type', NULL, service_type, NULL, NULL, sum(cost), NULL, NULL FROM f GROUP BY ALL
UNION ALL SELECT 'daily_cost_by_service_type', day, service_type, NULL, NULL, sum(cost), NULL, NULL FROM f GROUP BY ALL
UNION ALL SELECT 'cost_by_project', NULL, f.project_id, p.name, NULL, sum(cost), NULL, NULL
          FROM f LEFT JOIN projects p USING (project_id) GROUP BY ALL
UNION ALL SELECT 'project_trends', day, project_id, NULL, NULL, sum(cost), NULL, NULL FROM f GROUP BY ALL
UNION ALL SELECT 'card_cost', day, service_type, project_id, NULL, sum(cost), NULL, NULL FROM f GROUP BY ALL
UNION ALL SELECT 'card_usage', day, service_type, pricing_rule, unit, sum(q), NULL, NULL FROM f GROUP BY ALL
UNION ALL SELECT 'card_requests', day, service_type, NULL, NULL, count(DISTINCT request_id), NULL, NULL FROM i GROUP BY ALL
UNION ALL SELECT 'top_agents', NULL, agent_id, project_id, name, cost, requests, conversations
          FROM (SELECT * FROM agents_ranked ORDER BY cost DESC, coalesce(name, agent_id), agent_id LIMIT 10)
