/**
 * The config (as its file holds it, before the schema) of environment `env`, account 000000000000 in us-east-1 with
 * its DR region us-west-2, whose one plan "duo" backs up bucket lifeboat-<env>-duo-a (source duo-a) and table
 * lifeboat-<env>-duo-t (duo-t) in full daily, keeping the last five.
 */
export function duoPlanConfig(env: string) {
  return {
    environments: [
      {
        name: env,
        account: '000000000000',
        primaryRegion: 'us-east-1',
        drRegion: 'us-west-2',
        plans: [
          {
            name: 'duo',
            schedule: 'rate(1 day)',
            strategy: 'full',
            retention: { keepLast: 5 },
            objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
            sources: [
              { type: 's3', name: 'duo-a', bucket: `lifeboat-${env}-duo-a` },
              { type: 'dynamodb', name: 'duo-t', table: `lifeboat-${env}-duo-t` },
            ],
          },
        ],
      },
    ],
  };
}
